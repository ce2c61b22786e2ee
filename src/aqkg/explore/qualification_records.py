"""The Qualifications page's data: the qualification list and its search, one
qualification's detail (units, occupations, unit mappings, sources)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aqkg.explore._store import Row, rows
from aqkg.explore._text import as_count, as_int, split_list
from aqkg.explore.labels import SourceDoc, sources_of
from aqkg.store.embedded import EmbeddedStore

ID_BASE = "https://w3id.org/aqkg/id/"
QUALIFICATION_BASE = ID_BASE + "qualification/"


def reference_of(iri: str) -> str:
    return iri[len(QUALIFICATION_BASE) :] if iri.startswith(QUALIFICATION_BASE) else iri


def qualification_iri(reference: str) -> str:
    text = reference.strip().strip("<>")
    return text if text.startswith(("http://", "https://")) else QUALIFICATION_BASE + text


@dataclass(frozen=True)
class QualificationSummary:
    iri: str
    reference: str
    title: str
    other_titles: tuple[str, ...]
    country: str
    level_name: str
    level_rank: int | None
    aqrf_levels: tuple[int, ...]
    occupations: tuple[str, ...]
    isco_groups: tuple[str, ...]
    sectors: tuple[str, ...]
    awarding_bodies: tuple[str, ...]
    units: int
    curation: str


@dataclass(frozen=True)
class UnitRow:
    iri: str
    code: str
    title: str
    standard: str
    curation: str


@dataclass(frozen=True)
class MappingRow:
    record: str
    unit_code: str
    direction: str
    match: str
    other_code: str
    other_title: str
    other_standard: str
    other_country: str
    confidence: str
    justification: str
    curation: str


@dataclass(frozen=True)
class OccupationRow:
    iri: str
    title: str
    via: tuple[str, ...]
    isco_groups: tuple[str, ...]


@dataclass(frozen=True)
class QualificationDetail:
    summary: QualificationSummary
    country_name: str
    level: str
    framework: str
    framework_name: str
    standards: tuple[str, ...]
    scope_note: str
    editorial_note: str
    units: tuple[UnitRow, ...]
    occupations: tuple[OccupationRow, ...]
    mappings: tuple[MappingRow, ...]
    sources: tuple[SourceDoc, ...]


def qualifications(store: EmbeddedStore) -> list[QualificationSummary]:
    return [_summary(r) for r in rows(store, "explore-qualifications")]


def _summary(r: Row) -> QualificationSummary:
    return QualificationSummary(
        iri=r["qualification"],
        reference=r["reference"],
        title=r["title"],
        other_titles=split_list(r["otherTitles"]),
        country=r["countryCode"],
        level_name=r["levelName"],
        level_rank=as_int(r["levelRank"]),
        aqrf_levels=tuple(int(x) for x in split_list(r["aqrfLevels"])),
        occupations=split_list(r["occupations"]),
        isco_groups=split_list(r["iscoCodes"]),
        sectors=split_list(r["sectors"]),
        awarding_bodies=split_list(r["awardingBodies"]),
        units=as_count(r["units"]),
        curation=r["curation"],
    )


def search_qualifications(
    items: Iterable[QualificationSummary],
    text: str = "",
    countries: Sequence[str] = (),
    aqrf_levels: Sequence[int] = (),
    sectors: Sequence[str] = (),
) -> list[QualificationSummary]:
    """Filter by country, AQRF level and sector; `text` matches (case-insensitive) the title,
    other titles, reference, occupations and sectors, and ISCO-08 codes by prefix."""
    words = text.lower().split()

    def matches(q: QualificationSummary) -> bool:
        haystack = " ".join([q.title, *q.other_titles, q.reference, *q.occupations, *q.sectors])
        return all(
            word in haystack.lower() or any(code.startswith(word) for code in q.isco_groups)
            for word in words
        )

    return [
        q
        for q in items
        if (not countries or q.country in countries)
        and (not aqrf_levels or set(q.aqrf_levels) & set(aqrf_levels))
        and (not sectors or set(q.sectors) & set(sectors))
        and matches(q)
    ]


def qualification_detail(store: EmbeddedStore, reference: str) -> QualificationDetail | None:
    """Everything the detail view shows; None when there is no such qualification."""
    iri = qualification_iri(reference)
    summary = next((q for q in qualifications(store) if q.iri == iri), None)
    found = rows(store, "explore-qualification", qualification=iri)
    if summary is None or not found:
        return None
    r = found[0]
    return QualificationDetail(
        summary=summary,
        country_name=r["countryName"],
        level=r["level"],
        framework=r["framework"],
        framework_name=r["frameworkName"],
        standards=split_list(r["standards"]),
        scope_note=r["scopeNote"],
        editorial_note=r["editorialNote"],
        units=tuple(
            UnitRow(u["unit"], u["code"], u["title"], u["standardName"], u["curation"])
            for u in rows(store, "explore-qualification-units", qualification=iri)
        ),
        occupations=_occupations(store, iri),
        mappings=tuple(
            MappingRow(
                record=m["record"],
                unit_code=m["unitCode"],
                direction=m["direction"],
                match=m["matchType"],
                other_code=m["otherCode"],
                other_title=m["otherTitle"],
                other_standard=m["otherStandard"],
                other_country=m["otherCountry"],
                confidence=m["confidence"],
                justification=m["justification"],
                curation=m["curation"],
            )
            for m in rows(store, "explore-unit-mappings", qualification=iri)
        ),
        sources=sources_of(store, iri),
    )


def _occupations(store: EmbeddedStore, iri: str) -> tuple[OccupationRow, ...]:
    via: dict[str, set[str]] = defaultdict(set)
    isco: dict[str, set[str]] = defaultdict(set)
    titles: dict[str, str] = {}
    for r in rows(store, "recognition-occupations", qualification=iri):
        titles[r["occupation"]] = r["occupationTitle"]
        via[r["occupation"]].add(r["via"])
        if r["iscoCode"]:
            isco[r["occupation"]].add(r["iscoCode"])
    return tuple(
        OccupationRow(o, titles[o], tuple(sorted(via[o])), tuple(sorted(isco[o])))
        for o in sorted(titles, key=lambda o: titles[o])
    )
