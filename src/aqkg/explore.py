"""What the Streamlit explorer (app/) reads, as plain dataclasses; and `launch` to start it.

Every read goes through a named query (queries/*.rq, the explorer's own are explore-*.rq) bound
with typed parameters, so the app holds no SPARQL. Results are frozen dataclasses of strings,
ints and tuples: cheap to cache, safe to pickle, easy to assert on in tests. The few pure
helpers that turn them into something to draw (Graphviz DOT, ladder chart points, CSV) live
here too, so they are typed and tested once.

The SPARQL page runs user queries in `aqkg.serve`'s worker pool (a query past the time limit
has its process killed) after the same refusal check as the endpoint, plus a refusal of FROM
clauses naming anything but a web IRI. The Validate page writes an upload to a temporary
folder, validates it with `aqkg.validate` or `aqkg.sheet_report` and deletes the folder.
"""

from __future__ import annotations

import atexit
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import combinations, pairwise
from pathlib import Path, PurePosixPath

import pyoxigraph as ox

from aqkg.paths import project_root
from aqkg.queries import NamedQuery, QueryParamError, bind_params, catalogue
from aqkg.recognise import Candidate, Recognition, UnitMatch, recognise
from aqkg.results import as_delimited, defuse_formula, plain, short
from aqkg.results import as_json as results_json
from aqkg.serve import FormatChoice, Job, QueryPool, Success, refusal
from aqkg.store import DEFAULT_STORE_DIR, EmbeddedStore, SelectResult, StoreError

STORE_ENV = "AQKG_STORE"
APP_MAIN = Path("app") / "main.py"
ID_BASE = "https://w3id.org/aqkg/id/"
QUALIFICATION_BASE = ID_BASE + "qualification/"
FRAMEWORK_BASE = ID_BASE + "framework/"
LIST_SEPARATOR = " | "

SPARQL_TIMEOUT_SECONDS = 10.0
SPARQL_MAX_ROWS = 10_000
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ZIP_MEMBERS = 50

Row = dict[str, str]


class ExploreError(Exception):
    """Something the explorer cannot do as asked; the message is one line for the user."""


# =================================================================================================
# Store
# =================================================================================================


def default_store_path() -> Path:
    """$AQKG_STORE, else the project's .aqkg/store."""
    given = os.environ.get(STORE_ENV)
    return Path(given) if given else project_root() / DEFAULT_STORE_DIR


def store_exists(path: Path) -> bool:
    return (path / "CURRENT").is_file()


def store_stamp(path: Path) -> str:
    """Changes whenever the store is rebuilt (a new directory is renamed into place)."""
    try:
        folder = path.stat()
        current = (path / "CURRENT").stat()
    except OSError:
        return f"{path}:missing"
    return f"{path.resolve()}:{folder.st_ino}:{current.st_mtime_ns}"


def store_built_at(path: Path) -> datetime | None:
    """When the store was last written (its newest file), in UTC."""
    try:
        newest = max(entry.stat().st_mtime for entry in path.iterdir())
    except (OSError, ValueError):
        return None
    return datetime.fromtimestamp(newest, tz=UTC)


def open_store(path: Path) -> EmbeddedStore:
    """The store, read-only; the error says to run `aqkg build` when there is none."""
    if not store_exists(path):
        raise StoreError(f"no graph store at {path}: run `aqkg build` first, then reload")
    return EmbeddedStore.open(path, read_only=True)


def rows(store: EmbeddedStore, name: str, **params: str) -> list[Row]:
    """A named query's rows as plain strings ("" where unbound)."""
    query = catalogue()[name]
    result = store.select(query.text, bind_params(query, params))
    return [
        {var: plain(term) for var, term in zip(result.variables, row, strict=True)}
        for row in result.rows
    ]


def _split(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split(LIST_SEPARATOR) if part) if text else ()


def _int(text: str) -> int | None:
    return int(text) if text.lstrip("-").isdigit() else None


def _count(text: str) -> int:
    return _int(text) or 0


def reference_of(iri: str) -> str:
    return iri[len(QUALIFICATION_BASE) :] if iri.startswith(QUALIFICATION_BASE) else iri


def qualification_iri(reference: str) -> str:
    text = reference.strip().strip("<>")
    return text if text.startswith(("http://", "https://")) else QUALIFICATION_BASE + text


# =================================================================================================
# Labels in other languages, sources
# =================================================================================================


@dataclass(frozen=True)
class LocalLabel:
    text: str
    language: str
    kind: str  # preferred, alternative


@dataclass(frozen=True)
class SourceDoc:
    iri: str
    title: str
    publisher: str
    year: str
    url: str


def local_labels(store: EmbeddedStore) -> dict[str, tuple[LocalLabel, ...]]:
    """Labels in languages other than English, by the IRI of what they name."""
    found: dict[str, list[LocalLabel]] = defaultdict(list)
    for r in rows(store, "explore-labels"):
        found[r["resource"]].append(LocalLabel(r["label"], r["language"], r["kind"]))
    return {iri: tuple(labels) for iri, labels in found.items()}


def labelled(text: str, labels: Sequence[LocalLabel]) -> str:
    """`English (national [lang], ...)`, leaving out labels that only repeat the English one."""
    others = [f"{label.text} [{label.language}]" for label in labels if label.text != text]
    return f"{text} ({', '.join(others)})" if others else text


def sources_of(store: EmbeddedStore, record: str) -> tuple[SourceDoc, ...]:
    """The source documents of any record, by title."""
    found = {
        r["source"]: SourceDoc(
            r["source"], r["sourceTitle"], r["publisher"], r["issued"][:4], r["url"]
        )
        for r in rows(store, "recognition-provenance", record=record)
        if r["source"]
    }
    return tuple(sorted(found.values(), key=lambda s: (s.title, s.iri)))


# =================================================================================================
# Overview
# =================================================================================================


@dataclass(frozen=True)
class MemberState:
    code: str
    iri: str
    name: str
    local_names: tuple[LocalLabel, ...]
    framework: str
    framework_name: str
    acronym: str
    framework_status: str
    stated_levels: int | None
    referencing: str
    referencing_status: str
    status_date: str
    level_pairings: int
    mras: int
    corridors: int
    qualifications: int

    @property
    def display_name(self) -> str:
        return labelled(self.name, self.local_names)


@dataclass(frozen=True)
class Counts:
    member_states: int
    frameworks: int
    levels: int
    qualifications: int
    standards: int
    units: int
    occupations: int
    mappings: int
    mras: int
    corridors: int
    sources: int
    latest_date: str
    triples: int


@dataclass(frozen=True)
class Link:
    """Two member states linked by a corridor (a hub-and-spoke corridor links hub and spoke)."""

    a: str
    b: str
    corridor: str
    name: str


def member_states(store: EmbeddedStore) -> list[MemberState]:
    labels = local_labels(store)
    return [
        MemberState(
            code=r["code"],
            iri=r["state"],
            name=r["name"],
            local_names=labels.get(r["state"], ()),
            framework=r["framework"],
            framework_name=r["frameworkName"],
            acronym=r["acronym"],
            framework_status=r["frameworkStatus"],
            stated_levels=_int(r["statedLevels"]),
            referencing=r["referencing"],
            referencing_status=r["referencingStatus"],
            status_date=r["statusDate"],
            level_pairings=_count(r["levelPairings"]),
            mras=_count(r["mras"]),
            corridors=_count(r["corridors"]),
            qualifications=_count(r["qualifications"]),
        )
        for r in rows(store, "explore-member-states")
    ]


def counts(store: EmbeddedStore) -> Counts:
    found = rows(store, "explore-counts")
    r = found[0] if found else {}

    def n(name: str) -> int:
        return _count(r.get(name, ""))

    return Counts(
        member_states=n("memberStates"),
        frameworks=n("frameworks"),
        levels=n("levels"),
        qualifications=n("qualifications"),
        standards=n("standards"),
        units=n("units"),
        occupations=n("occupations"),
        mappings=n("mappings"),
        mras=n("mras"),
        corridors=n("corridors"),
        sources=n("sources"),
        latest_date=r.get("latestDate", ""),
        triples=n("triples"),
    )


def corridor_links(store: EmbeddedStore) -> list[Link]:
    """Country pairs each corridor links: hub with each spoke, or every pair of parties."""
    parties: dict[str, set[str]] = defaultdict(set)
    hubs: dict[str, str] = {}
    names: dict[str, str] = {}
    for r in rows(store, "explore-arrangement-parties"):
        if r["kind"] != "corridor":
            continue
        parties[r["arrangement"]].add(r["partyCode"])
        names[r["arrangement"]] = r["name"]
        if r["hubCode"]:
            hubs[r["arrangement"]] = r["hubCode"]
    links = []
    for corridor, codes in sorted(parties.items()):
        hub = hubs.get(corridor)
        pairs = (
            [(hub, spoke) for spoke in sorted(codes - {hub})]
            if hub
            else list(combinations(sorted(codes), 2))
        )
        links += [Link(a, b, corridor, names[corridor]) for a, b in pairs]
    return links


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


_STATUS_COLOURS = {
    "referencing endorsed": "#b7e1cd",
    "referencing draft submitted": "#fce8b2",
    "referencing in progress": "#fce8b2",
}


def network_dot(states: Sequence[MemberState], links: Sequence[Link]) -> str:
    """The ten member states (shaded by referencing status) and the corridors between them."""
    lines = [
        "graph corridors {",
        '  layout=circo; bgcolor="transparent";',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9, color="#4a6fa5"];',
    ]
    for state in states:
        colour = _STATUS_COLOURS.get(state.referencing_status, "#eeeeee")
        label = _dot_text(f"{state.code}\n{state.name}")
        tooltip = _dot_text(f"{state.name}: {state.referencing_status or 'no referencing record'}")
        lines.append(
            f'  "{state.code}" [label="{label}", fillcolor="{colour}", tooltip="{tooltip}"];'
        )
    for link in links:
        short_name = _corridor_short_name(link.name)
        lines.append(
            f'  "{link.a}" -- "{link.b}" [label="{_dot_text(short_name)}", '
            f'tooltip="{_dot_text(link.name)}"];'
        )
    lines.append("}")
    return "\n".join(lines)


def _corridor_short_name(name: str) -> str:
    """`MRS pilot corridor: Thailand with Cambodia in building electrical wiring` -> the trade."""
    text = name.removeprefix("MRS pilot corridor: ")
    trade = text.rsplit(" in ", 1)[-1] if " in " in text else text
    return trade if len(trade) <= 40 else trade[:39] + "…"


# =================================================================================================
# Frameworks
# =================================================================================================


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
            r["code"], r["framework"], r["name"], r["status"], _count(r["levelsInGraph"])
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
        stated_levels=_int(r["statedLevels"]),
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


# =================================================================================================
# Qualifications and occupations
# =================================================================================================


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
        other_titles=_split(r["otherTitles"]),
        country=r["countryCode"],
        level_name=r["levelName"],
        level_rank=_int(r["levelRank"]),
        aqrf_levels=tuple(int(x) for x in _split(r["aqrfLevels"])),
        occupations=_split(r["occupations"]),
        isco_groups=_split(r["iscoCodes"]),
        sectors=_split(r["sectors"]),
        awarding_bodies=_split(r["awardingBodies"]),
        units=_count(r["units"]),
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
        standards=_split(r["standards"]),
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


@dataclass(frozen=True)
class Table:
    """A query result for display: column names and rows of short strings."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def records(self) -> list[dict[str, str]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def table(store: EmbeddedStore, name: str, **params: str) -> Table:
    """Any named query as a display table (prefixed IRIs, parameter columns left out)."""
    query = catalogue()[name]
    result = store.select(query.text, bind_params(query, params))
    hidden = {p.name for p in query.params}
    keep = [i for i, var in enumerate(result.variables) if var not in hidden]
    return Table(
        tuple(result.variables[i] for i in keep),
        tuple(tuple(_display(row[i]) for i in keep) for row in result.rows),
    )


def _display(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str:
    return plain(term) if isinstance(term, ox.Literal) else short(term)


# =================================================================================================
# Recognition
# =================================================================================================


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    country: str


def held_choices(store: EmbeddedStore) -> list[Choice]:
    """Qualifications a recognition can start from, as XX/CODE with their title."""
    return [
        Choice(r["reference"], f"{r['reference']}: {r['title']}", r["countryCode"])
        for r in rows(store, "recognition-qualifications")
    ]


def recognition(store: EmbeddedStore, reference: str, to_country: str) -> Recognition:
    """The recognition engine's answer (raises RecognitionError with a one-line message)."""
    return recognise(store, reference, to_country)


def country_choices(store: EmbeddedStore) -> list[Choice]:
    """The ten member states, with how many qualifications the graph holds for each."""
    labels = local_labels(store)
    return [
        Choice(
            r["code"],
            f"{r['code']}: {labelled(r['name'], labels.get(r['country'], ()))} "
            f"({r['qualifications']} qualification{'s' if r['qualifications'] != '1' else ''})",
            r["code"],
        )
        for r in rows(store, "recognition-countries")
    ]


RECOGNITION_CSV_COLUMNS = (
    "rank",
    "target",
    "target_title",
    "basis",
    "covered",
    "total",
    "weakest_link",
    "unit",
    "unit_title",
    "status",
    "matched_by",
    "via_rmcs",
    "relation",
    "curation_warnings",
)


def recognition_csv(rec: Recognition) -> str:
    """One row per unit of each candidate: covered, partly covered or missing, and by what."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RECOGNITION_CSV_COLUMNS)
    for c in rec.candidates:
        head = [
            str(c.rank),
            c.qualification.reference,
            c.qualification.title,
            c.basis.kind,
            str(c.coverage.covered),
            str(c.coverage.total),
            c.coverage.weakest or "",
        ]
        warnings = "; ".join(c.warnings)
        for m in c.coverage.matches:
            status = "covered" if m.covers == "full" else "partly covered"
            via = m.via.code if m.via else ""
            tail = [m.unit.code, m.unit.title, status, m.matched_by.code, via, m.relation, warnings]
            writer.writerow([defuse_formula(x) for x in head + tail])
        for missing in c.coverage.missing:
            tail = [missing.unit.code, missing.unit.title, "missing", "", "", "", warnings]
            writer.writerow([defuse_formula(x) for x in head + tail])
    return buffer.getvalue()


_RELATION_COLOURS = {
    "exact": "#2e7d32",
    "close": "#558b2f",
    "broader": "#f9a825",
    "narrower": "#ef6c00",
}


def recognition_dot(rec: Recognition, candidate: Candidate) -> str:
    """The path drawn left to right: held qualification, its units, the RMCS units they pass
    through, the target's units (missing ones in red) and the target, with the basis."""
    held, target = rec.held, candidate.qualification
    lines = [
        "digraph path {",
        '  rankdir=LR; bgcolor="transparent"; nodesep=0.15; ranksep=0.5;',
        '  node [fontname="Helvetica", fontsize=10, shape=box, style="rounded,filled", '
        'fillcolor="#ffffff"];',
        '  edge [fontname="Helvetica", fontsize=9];',
        _qualification_node("held", held.reference, held.title),
        _qualification_node("target", target.reference, target.title),
    ]
    basis = "; ".join(_clip(a.title, 60) for a in candidate.basis.arrangements) or (
        "AQRF level comparability only"
    )
    lines.append(
        f'  "held" -> "target" [label="{_dot_text(basis)}", style=dashed, color="#4a6fa5", '
        "constraint=false];"
    )
    seen: set[str] = set()
    for match in candidate.coverage.matches:
        lines += _match_edges(match, seen)
    for missing in candidate.coverage.missing:
        node = "u:" + missing.unit.iri
        label = _dot_text(f"{missing.unit.code}\nmissing")
        lines.append(
            f'  "{node}" [label="{label}", fillcolor="#fde0dc", color="#c62828", '
            f'tooltip="{_dot_text(missing.unit.title)}"];'
        )
        lines.append(f'  "{node}" -> "target" [color="#c62828", style=dotted];')
    lines.append("}")
    return "\n".join(lines)


def _qualification_node(node: str, reference: str, title: str) -> str:
    label = _dot_text(reference + "\n" + _clip(title))
    return f'  "{node}" [label="{label}", fillcolor="#dbe8f7", penwidth=2];'


def _match_edges(match: UnitMatch, seen: set[str]) -> list[str]:
    lines: list[str] = []
    units = [match.matched_by, *([match.via] if match.via else []), match.unit]
    for unit in units:
        node = "u:" + unit.iri
        if node not in seen:
            seen.add(node)
            fill = "#f3e5f5" if unit is match.via else "#ffffff"
            label = _dot_text(f"{unit.code}\n{_clip(unit.title, 28)}")
            lines.append(f'  "{node}" [label="{label}", fillcolor="{fill}"];')
    lines.append(f'  "held" -> "u:{match.matched_by.iri}" [color="#888888", arrowhead=none];')
    for hop, (a, b) in zip(match.hops, pairwise(units), strict=False):
        colour = _RELATION_COLOURS.get(hop.relation, "#555555")
        lines.append(f'  "u:{a.iri}" -> "u:{b.iri}" [label="{hop.relation}", color="{colour}"];')
    lines.append(f'  "u:{match.unit.iri}" -> "target" [color="#888888", arrowhead=none];')
    return lines


def _clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# =================================================================================================
# Arrangements and corridors
# =================================================================================================


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
            step_rank=_int(r["roadmapStep"].split(":", 1)[0]),
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
            corridors_reached=_count(r["corridorsReached"]),
        )
        for r in rows(store, "explore-roadmap-steps")
    ]


# =================================================================================================
# SPARQL page
# =================================================================================================

# The editor's text when the user writes their own query (the catalogue fills it otherwise).
STARTER_QUERY = """PREFIX aqkg: <https://w3id.org/aqkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?qualification ?title WHERE {
  ?qualification a aqkg:Qualification ; skos:prefLabel ?title .
}
LIMIT 20
"""

_FROM_CLAUSE = re.compile(r"\bFROM\s+(?:NAMED\s+)?(<[^>]*>|\S+)", re.IGNORECASE)
_WEB_IRI = re.compile(r"^<https?://[^>]*>$", re.IGNORECASE)
FROM_MESSAGE = (
    "FROM and FROM NAMED may only name graphs by web IRI (<https://...>): a local file or "
    "relative IRI is refused; without FROM the query sees every graph"
)


def sparql_refusal(query: str) -> str | None:
    """Why a query is refused (update, SERVICE, FROM a local file), or None when it may run."""
    reason = refusal(query)
    if reason is not None:
        return reason.replace("this endpoint", "the explorer")
    for match in _FROM_CLAUSE.finditer(_without_strings_and_comments(query)):
        if not _WEB_IRI.match(match.group(1)):
            return FROM_MESSAGE
    return None


def _without_strings_and_comments(query: str) -> str:
    text = re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'', " ", query)
    text = re.sub(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', " ", text)
    return re.sub(r"#[^\n]*", " ", text.replace("<#", "< "))


@dataclass(frozen=True)
class SparqlResult:
    """A SELECT table, an ASK answer or a CONSTRUCT/DESCRIBE graph, ready to show and save."""

    kind: str  # select, ask, graph
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    boolean: bool | None = None
    csv: str = ""
    json: str = ""
    turtle: str = ""
    seconds: float = 0.0


_POOLS: dict[str, QueryPool] = {}
_POOLS_LOCK = threading.Lock()


def run_sparql(
    store_path: Path,
    query: str,
    params: Mapping[str, str] | None = None,
    named: NamedQuery | None = None,
    timeout_seconds: float = SPARQL_TIMEOUT_SECONDS,
) -> SparqlResult:
    """Run a read-only query with a time limit; raises ExploreError with a one-line message."""
    if not query.strip():
        raise ExploreError("the query is empty: pick one from the catalogue or write one")
    reason = sparql_refusal(query)
    if reason is not None:
        raise ExploreError(reason)
    given = {k: v for k, v in (params or {}).items() if v.strip()}
    try:
        bindings = bind_params(named, given) if named is not None else {}
    except QueryParamError as error:
        raise ExploreError(str(error)) from None
    pool = _pool(store_path, timeout_seconds)
    job = Job(query, FormatChoice("json", "turtle", "explorer"), bindings)
    started = time.perf_counter()
    outcome = pool.run(job)
    seconds = time.perf_counter() - started
    if not isinstance(outcome, Success):
        raise ExploreError(" ".join(str(outcome.message).split()))
    if outcome.content_type.startswith("text/turtle"):
        return SparqlResult("graph", turtle=outcome.body.decode("utf-8"), seconds=seconds)
    return _parsed_results(outcome.body, seconds)


def _parsed_results(body: bytes, seconds: float) -> SparqlResult:
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QueryBoolean):
        return SparqlResult("ask", boolean=bool(parsed), json=body.decode("utf-8"), seconds=seconds)
    variables = [v.value for v in parsed.variables]
    result = SelectResult(variables, [[s[v] for v in variables] for s in parsed])
    return SparqlResult(
        "select",
        columns=tuple(variables),
        rows=tuple(tuple(_display(t) for t in row) for row in result.rows),
        csv=as_delimited(result),
        json=results_json(result),
        seconds=seconds,
    )


def _pool(store_path: Path, timeout_seconds: float) -> QueryPool:
    """One query worker per store and time limit, started on first use and kept."""
    key = f"{store_stamp(store_path)}:{timeout_seconds}"
    with _POOLS_LOCK:
        if key not in _POOLS:
            try:
                pool = QueryPool(
                    store_path, size=1, timeout_seconds=timeout_seconds, max_rows=SPARQL_MAX_ROWS
                )
            except StoreError as error:
                raise ExploreError(str(error)) from None
            _POOLS[key] = pool
            atexit.register(pool.close)
        return _POOLS[key]


# =================================================================================================
# Validate page
# =================================================================================================

RDF_SUFFIXES = (".ttl", ".turtle", ".nt", ".jsonld", ".json", ".rdf", ".owl", ".xml")
UPLOAD_SUFFIXES = (*RDF_SUFFIXES, ".xlsx", ".zip")


@dataclass(frozen=True)
class FindingRow:
    severity: str
    where: str
    problem: str
    fix: str
    value: str


@dataclass(frozen=True)
class RecordFindings:
    record: str
    findings: tuple[FindingRow, ...]


@dataclass(frozen=True)
class ValidationOutcome:
    name: str
    kind: str  # rdf, spreadsheet
    conforms: bool
    violations: int
    warnings: int
    records: tuple[RecordFindings, ...]
    text: str
    json: str
    country: str = ""
    checked_records: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)


def validate_upload(name: str, data: bytes, context: EmbeddedStore) -> ValidationOutcome:
    """Validate one uploaded file (RDF, an XLSX template or a zip of template CSVs).

    The bytes are written to a temporary folder that is deleted before returning: nothing
    uploaded is kept. Raises ExploreError, with a one-line message naming the upload, when
    the file cannot be read at all.
    """
    safe_name = PurePosixPath(name.replace("\\", "/")).name or "upload"
    suffix = PurePosixPath(safe_name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        known = ", ".join(UPLOAD_SUFFIXES)
        raise ExploreError(f"{safe_name}: unknown file type {suffix or '(none)'}; use {known}")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ExploreError(
            f"{safe_name}: {len(data)} bytes is over the {MAX_UPLOAD_BYTES} byte upload limit"
        )
    with tempfile.TemporaryDirectory(prefix="aqkg-upload-") as folder:
        path = Path(folder) / ("upload" + suffix)
        path.write_bytes(data)
        try:
            if suffix in RDF_SUFFIXES:
                return _validate_rdf(safe_name, path, context)
            if suffix == ".zip":
                path = _unzip_csvs(safe_name, path, Path(folder) / "csv")
            return _validate_sheets(safe_name, path, context)
        except ExploreError:
            raise
        except Exception as error:  # parse errors of every reader: one line, no paths
            message = " ".join(str(error).replace(str(path), safe_name).split())
            message = message.replace(folder, "").strip()
            raise ExploreError(_prefixed(safe_name, message)) from None


def _prefixed(name: str, message: str) -> str:
    return message if message.startswith(name) else f"{name}: {message}"


def _validate_rdf(name: str, path: Path, context: EmbeddedStore) -> ValidationOutcome:
    from aqkg.report import as_json as report_json
    from aqkg.report import as_text as report_text
    from aqkg.validate import validate_files

    report = validate_files([path], context)
    report.checked = [name]
    records = tuple(
        RecordFindings(
            record=short(ox.NamedNode(focus)) if "://" in focus else focus,
            findings=tuple(
                FindingRow(
                    severity=f.severity,
                    where=short(ox.NamedNode(f.path)) if f.path and "://" in f.path else "",
                    problem=f.shape_name or f.component or "constraint not met",
                    fix=f.message,
                    value=f.value or "",
                )
                for f in findings
            ),
        )
        for focus, findings in report.by_focus().items()
    )
    return ValidationOutcome(
        name=name,
        kind="rdf",
        conforms=report.conforms,
        violations=report.violations,
        warnings=report.warnings,
        records=records,
        text=report_text(report),
        json=report_json(report),
    )


def _unzip_csvs(name: str, archive: Path, target: Path) -> Path:
    """The CSV files of a zip, flattened into `target`; sizes and counts are checked first."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = [
                m
                for m in zipped.infolist()
                if not m.is_dir()
                and m.filename.lower().endswith(".csv")
                and not PurePosixPath(m.filename).name.startswith((".", "__"))
            ]
            if not members:
                raise ExploreError(f"{name}: the zip holds no .csv file of the template")
            if len(members) > MAX_ZIP_MEMBERS:
                raise ExploreError(f"{name}: more than {MAX_ZIP_MEMBERS} CSV files in the zip")
            if sum(m.file_size for m in members) > MAX_UPLOAD_BYTES:
                raise ExploreError(f"{name}: the CSV files unpack to over {MAX_UPLOAD_BYTES} bytes")
            target.mkdir()
            for member in members:
                out = target / PurePosixPath(member.filename).name
                with zipped.open(member) as source:
                    out.write_bytes(source.read(MAX_UPLOAD_BYTES + 1)[:MAX_UPLOAD_BYTES])
    except zipfile.BadZipFile:
        raise ExploreError(f"{name}: not a readable zip file") from None
    return target


def _validate_sheets(name: str, path: Path, context: EmbeddedStore) -> ValidationOutcome:
    from aqkg.sheet_report import as_json as sheet_json
    from aqkg.sheet_report import as_text as sheet_text
    from aqkg.sheet_report import validate_spreadsheet, where

    report, _ = validate_spreadsheet(path, context)
    report.checked = name
    grouped: dict[str, list[FindingRow]] = defaultdict(list)
    for f in report.sorted_findings():
        record = f"sheet {f.sheet}, row {f.row}" if f.sheet and f.row else where(f)
        grouped[record].append(
            FindingRow(
                severity=f.severity,
                where=f"column {f.column}" if f.column else "",
                problem=f.problem,
                fix=f.fix,
                value=f.value or "",
            )
        )
    return ValidationOutcome(
        name=name,
        kind="spreadsheet",
        conforms=report.conforms,
        violations=report.violations,
        warnings=report.warnings,
        records=tuple(RecordFindings(r, tuple(found)) for r, found in grouped.items()),
        text=sheet_text(report),
        json=sheet_json(report),
        country=report.country,
        checked_records=report.records,
    )


def blank_template(store: EmbeddedStore, country: str) -> bytes:
    """A blank XLSX submission template for `country`, with its drop-down lists."""
    from aqkg.templates import controlled_lists, write_template

    with tempfile.TemporaryDirectory(prefix="aqkg-template-") as folder:
        out = Path(folder) / f"{country}.xlsx"
        write_template(country, out, controlled_lists(country, store))
        return out.read_bytes()


def outcome_json(outcome: ValidationOutcome) -> str:
    """The outcome as the explorer shows it, grouped by record (the download)."""
    return json.dumps(asdict(outcome) | {"json": json.loads(outcome.json)}, indent=2)


# =================================================================================================
# Launching the app
# =================================================================================================


def app_script() -> Path:
    return project_root() / APP_MAIN


def streamlit_command(port: int | None = None) -> list[str]:
    """`streamlit run app/main.py` as a headless server (no browser, no usage statistics)."""
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_script()),
        "--server.headless=true",
        "--browser.gatherUsageStats=false",
        f"--server.maxUploadSize={MAX_UPLOAD_BYTES // (1024 * 1024)}",
        "--client.toolbarMode=minimal",
        "--client.showErrorDetails=none",
    ]
    if port is not None:
        command.append(f"--server.port={port}")
    return command


def launch(store_path: Path, port: int | None = None) -> int:
    """Open the explorer on `store_path`, building the store first when there is none."""
    if not store_exists(store_path):
        from aqkg.build import build

        print(f"aqkg explore: no store at {store_path}: building it first", file=sys.stderr)
        summary, _ = build(store_path)
        if not summary.written:
            print("aqkg explore: the build found violations; run `aqkg build`", file=sys.stderr)
            return 1
    env = {**os.environ, STORE_ENV: str(store_path.resolve()), "AQKG_HOME": str(project_root())}
    try:
        return subprocess.call(streamlit_command(port), env=env)
    except KeyboardInterrupt:
        return 0
