"""The chaining rule: how mapping records read from the holder's side combine into a
relation between two units (pure functions; see aqkg.recognition.engine for the rule).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from aqkg.recognition.model import (
    Relation,
)

STRENGTH: dict[Relation, int] = {"exact": 4, "close": 3, "broader": 2, "narrower": 1}

FULL_COVER: frozenset[Relation] = frozenset({"exact", "close", "broader"})

# A record's predicate read from its subject to its object, named by what the subject is.
_READ_FORWARD: dict[str, Relation] = {
    "ExactMatch": "exact",
    "CloseMatch": "close",
    "BroadMatch": "narrower",  # the object is broader, so the subject is the narrower one
    "NarrowMatch": "broader",
}

_INVERSE: dict[Relation, Relation] = {
    "exact": "exact",
    "close": "close",
    "broader": "narrower",
    "narrower": "broader",
}


def read_relation(predicate: str, forward: bool) -> Relation | None:
    """What the holder's side is, for a record read forwards or backwards; None for NoMatch."""
    relation = _READ_FORWARD.get(predicate)
    if relation is None:
        return None
    return relation if forward else _INVERSE[relation]


def chain(relations: Sequence[Relation]) -> Relation | None:
    """The relation a path of hops gives, or None when it does not chain (two non-exact hops)."""
    non_exact = [r for r in relations if r != "exact"]
    if len(non_exact) > 1:
        return None
    return non_exact[0] if non_exact else "exact"


def weakest(relations: Iterable[Relation]) -> Relation | None:
    return min(relations, key=STRENGTH.__getitem__, default=None)


def covers(relation: Relation) -> Literal["full", "partial"]:
    return "full" if relation in FULL_COVER else "partial"
