"""The Arrangements page's data: the MRAs, the MRS corridors and the MRS roadmap steps."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from aqkg.explore._store import Row, rows
from aqkg.explore._text import as_count, as_int
from aqkg.store.embedded import EmbeddedStore


@dataclass(frozen=True)
class Mra:
    iri: str
    name: str
    professions: tuple[str, ...]
    isco_groups: tuple[str, ...]
    signed_date: str
    signed_place: str
    monitoring_body: str
    register_title: str
    parties: tuple[str, ...]
    curation: str


@dataclass(frozen=True)
class Corridor:
    iri: str
    name: str
    parties: tuple[str, ...]
    hub: str
    occupations: tuple[str, ...]
    aqrf_levels: tuple[str, ...]
    recognition_model: str
    arrangement: str
    step_rank: int | None
    step: str
    step_date: str
    note: str
    curation: str


@dataclass(frozen=True)
class RoadmapStep:
    rank: int
    name: str
    definition: str
    note: str
    curation: str
    corridors_reached: int


def mras(store: EmbeddedStore) -> list[Mra]:
    """The MRAs, one per arrangement (an MRA covering two professions is one row)."""
    grouped: dict[str, list[Row]] = defaultdict(list)
    for r in rows(store, "mras"):
        grouped[r["arrangement"]].append(r)
    found = []
    for iri, group in grouped.items():
        first = group[0]
        found.append(
            Mra(
                iri=iri,
                name=first["name"],
                professions=tuple(sorted({r["profession"] for r in group if r["profession"]})),
                isco_groups=tuple(
                    sorted({code for r in group for code in r["isco"].split(", ") if code})
                ),
                signed_date=first["signedDate"],
                signed_place=first["signedPlace"],
                monitoring_body=first["monitoringBody"],
                register_title=first["registerTitle"],
                parties=tuple(p for p in first["parties"].split(", ") if p),
                curation=first["curation"],
            )
        )
    return sorted(found, key=lambda m: (m.professions, m.name))


def corridors(store: EmbeddedStore) -> list[Corridor]:
    hubs = {
        r["arrangement"]: r["hubCode"]
        for r in rows(store, "explore-arrangement-parties")
        if r["kind"] == "corridor" and r["hubCode"]
    }
    return [
        Corridor(
            iri=r["corridor"],
            name=r["name"],
            parties=tuple(p for p in r["parties"].split(", ") if p),
            hub=hubs.get(r["corridor"], ""),
            occupations=tuple(o for o in r["occupations"].split(", ") if o),
            aqrf_levels=tuple(x for x in r["aqrfLevels"].split(", ") if x),
            recognition_model=r["recognitionModel"],
            arrangement=r["arrangement"],
            step_rank=as_int(r["roadmapStep"].split(":", 1)[0]),
            step=r["roadmapStep"],
            step_date=r["stepDate"],
            note=r["note"],
            curation=r["curation"],
        )
        for r in rows(store, "mrs-corridors")
    ]


def roadmap_steps(store: EmbeddedStore) -> list[RoadmapStep]:
    return [
        RoadmapStep(
            rank=int(r["rank"]),
            name=r["name"],
            definition=r["definition"],
            note=r["editorialNote"],
            curation=r["curation"],
            corridors_reached=as_count(r["corridorsReached"]),
        )
        for r in rows(store, "explore-roadmap-steps")
    ]
