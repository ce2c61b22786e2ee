"""The Frameworks page's data: each framework with its levels, descriptors and AQRF
pairings, and the points of the ladder chart that sets frameworks side by side."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aqkg.explore._store import ExploreError, Row, rows
from aqkg.explore._text import as_count, as_int
from aqkg.explore.labels import LocalLabel, SourceDoc, labelled, local_labels, sources_of
from aqkg.sparql.param_checks import AQRF, level_ranks, store_select
from aqkg.store.embedded import EmbeddedStore


@dataclass(frozen=True)
class FrameworkChoice:
    code: str  # ISO code, or ASEAN for the AQRF
    iri: str
    name: str
    status: str
    levels: int


@dataclass(frozen=True)
class Descriptor:
    domain: str
    text: str
    curation: str


@dataclass(frozen=True)
class Pairing:
    aqrf_rank: int
    match: str
    curation: str


@dataclass(frozen=True)
class Level:
    iri: str
    rank: int
    name: str
    notation: str
    scope_note: str
    curation: str
    local_names: tuple[LocalLabel, ...]
    descriptors: tuple[Descriptor, ...]
    pairings: tuple[Pairing, ...]

    def aqrf_position(self) -> int | None:
        """The AQRF rank of an exact or close pairing (the lowest if several), else None."""
        ranks = [p.aqrf_rank for p in self.pairings if p.match in ("exact match", "close match")]
        return min(ranks) if ranks else None


@dataclass(frozen=True)
class Framework:
    iri: str
    code: str
    name: str
    acronym: str
    local_names: tuple[LocalLabel, ...]
    status: str
    stated_levels: int | None
    legal_basis: str
    scope_note: str
    editorial_note: str
    responsible_body: str
    curation: str
    referencing: str
    referencing_status: str
    status_date: str
    referencing_note: str
    levels: tuple[Level, ...]
    sources: tuple[SourceDoc, ...]
    referencing_sources: tuple[SourceDoc, ...]

    @property
    def is_aqrf(self) -> bool:
        return self.code == "ASEAN"

    @property
    def short_name(self) -> str:
        return f"{self.code} {self.acronym}".strip() if not self.is_aqrf else "AQRF"


def framework_choices(store: EmbeddedStore) -> list[FrameworkChoice]:
    """The AQRF first, then each member state's framework, by ISO code."""
    return [
        FrameworkChoice(
            r["code"], r["framework"], r["name"], r["status"], as_count(r["levelsInGraph"])
        )
        for r in rows(store, "frameworks")
    ]


def framework(store: EmbeddedStore, iri: str) -> Framework:
    found = rows(store, "explore-framework", framework=iri)
    if not found:
        raise ExploreError(f"no framework {iri} in the graph")
    r = found[0]
    labels = local_labels(store)
    referencing = r["referencing"]
    return Framework(
        iri=iri,
        code=r["code"],
        name=r["name"],
        acronym=r["acronym"],
        local_names=labels.get(iri, ()),
        status=r["status"],
        stated_levels=as_int(r["statedLevels"]),
        legal_basis=r["legalBasis"],
        scope_note=r["scopeNote"],
        editorial_note=r["editorialNote"],
        responsible_body=r["responsibleBody"],
        curation=r["curation"],
        referencing=referencing,
        referencing_status=r["referencingStatus"],
        status_date=r["statusDate"],
        referencing_note=r["referencingNote"],
        levels=_levels(store, iri, labels),
        sources=sources_of(store, iri),
        referencing_sources=sources_of(store, referencing) if referencing else (),
    )


def _levels(
    store: EmbeddedStore, iri: str, labels: Mapping[str, tuple[LocalLabel, ...]]
) -> tuple[Level, ...]:
    by_level: dict[str, list[Row]] = defaultdict(list)
    for r in rows(store, "explore-framework-levels", framework=iri):
        by_level[r["level"]].append(r)
    levels = []
    for level, found in by_level.items():
        first = found[0]
        descriptors = {
            (r["domain"], r["descriptorText"], r["descriptorCuration"])
            for r in found
            if r["descriptorText"]
        }
        pairings = {
            (int(r["aqrfRank"]), r["matchType"], r["pairingCuration"])
            for r in found
            if r["aqrfRank"]
        }
        levels.append(
            Level(
                iri=level,
                rank=int(first["rank"]),
                name=first["name"],
                notation=first["notation"],
                scope_note=first["scopeNote"],
                curation=first["curation"],
                local_names=labels.get(level, ()),
                descriptors=tuple(Descriptor(*d) for d in sorted(descriptors)),
                pairings=tuple(Pairing(*p) for p in sorted(pairings)),
            )
        )
    return tuple(sorted(levels, key=lambda lv: lv.rank))


PLACED_BY_PAIRING = "placed by its published AQRF pairing"
PLACED_BY_RANK = "own rank: no published AQRF pairing"
AQRF_LEVEL = "AQRF level"


def aqrf_level_ranks(store: EmbeddedStore) -> tuple[int, ...]:
    """The AQRF's level ranks as the graph holds them (for the level filter and its links)."""
    return level_ranks(store_select(store), AQRF)


def ladder_points(frameworks: Sequence[Framework]) -> list[dict[str, str | int]]:
    """One point per level for a ladder chart: column, height, how it was placed, hover text.

    A national level stands at the AQRF level its published pairing gives; without one it
    stands at its own rank, marked so, since a rank is not a referencing.
    """
    points: list[dict[str, str | int]] = []
    for order, fw in enumerate(frameworks):
        for level in fw.levels:
            position = level.aqrf_position()
            if fw.is_aqrf:
                placed, height = AQRF_LEVEL, level.rank
            elif position is not None:
                placed, height = PLACED_BY_PAIRING, position
            else:
                placed, height = PLACED_BY_RANK, level.rank
            points.append(
                {
                    "framework": fw.short_name,
                    "order": order,
                    "rank": level.rank,
                    "height": height,
                    "level": labelled(level.name, level.local_names),
                    "placed": placed,
                    "pairing": ", ".join(f"AQRF {p.aqrf_rank} ({p.match})" for p in level.pairings)
                    or "none published",
                    "descriptors": " / ".join(f"{d.domain}: {d.text}" for d in level.descriptors)
                    or level.scope_note
                    or "no descriptor recorded",
                    "curation": level.curation,
                }
            )
    return points
