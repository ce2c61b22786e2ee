"""Ranking candidates: real before illustrative, then basis, coverage, weakest link and
share matched (RANKING_RULE says it in words).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from aqkg.recognition.chaining import STRENGTH
from aqkg.recognition.model import (
    Candidate,
    Coverage,
    Dependence,
)

RANKING_RULE = (
    "real before illustrative (a path resting on no illustrative record first), then the basis "
    "(a corridor or MRA covering the occupation of both > a shared AQRF level > AQRF level "
    "comparability that cannot be shown), then the share of the target's units covered, then "
    "the weakest link (exact > close > broader > narrower), then the share matched at all "
    "(partial included)"
)


def rank_candidates(candidates: Iterable[Candidate]) -> tuple[Candidate, ...]:
    """Order by the ranking rule (RANKING_RULE) and number from 1."""

    def key(c: Candidate) -> tuple[int, int, float, int, float, str]:
        return (
            illustrative_first(c.dependence),
            -c.basis.strength,
            *coverage_key(c.coverage),
            c.qualification.reference,
        )

    ordered = sorted(candidates, key=key)
    real = any(not c.dependence.illustrative for c in ordered)
    return tuple(
        dataclasses.replace(c, rank=n, why=f"ranked {n}: {_real_or_not(c.dependence, real)}{c.why}")
        for n, c in enumerate(ordered, 1)
    )


def illustrative_first(dep: Dependence) -> int:
    return 1 if dep.illustrative else 0


def coverage_key(coverage: Coverage) -> tuple[float, int, float]:
    link = STRENGTH[coverage.weakest] if coverage.weakest else 0
    return (-coverage.share_covered, -link, -coverage.share_matched)


def _real_or_not(dep: Dependence, real_paths_exist: bool) -> str:
    """Why a path stands where it does when real and illustrative paths compete."""
    if not real_paths_exist:
        return ""
    if dep.illustrative:
        return "rests on illustrative data, so below every path that does not; "
    return "rests on no illustrative record; "
