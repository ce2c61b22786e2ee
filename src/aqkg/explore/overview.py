"""The Overview page's data: member states, record counts, the corridors between member
states, and the corridor network as Graphviz DOT."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from aqkg.build.coverage import coverage_matrix, failing_records
from aqkg.explore._store import rows
from aqkg.explore._text import as_count, as_int, dot_text
from aqkg.explore.labels import LocalLabel, labelled, local_labels
from aqkg.store.embedded import EmbeddedStore


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
            stated_levels=as_int(r["statedLevels"]),
            referencing=r["referencing"],
            referencing_status=r["referencingStatus"],
            status_date=r["statusDate"],
            level_pairings=as_count(r["levelPairings"]),
            mras=as_count(r["mras"]),
            corridors=as_count(r["corridors"]),
            qualifications=as_count(r["qualifications"]),
        )
        for r in rows(store, "explore-member-states")
    ]


def counts(store: EmbeddedStore) -> Counts:
    found = rows(store, "explore-counts")
    r = found[0] if found else {}

    def n(name: str) -> int:
        return as_count(r.get(name, ""))

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


_STATUS_COLOURS = {
    "referencing endorsed": "#b7e1cd",
    "referencing draft submitted": "#fce8b2",
    "referencing in progress": "#fce8b2",
}


def network_dot(states: Sequence[MemberState], links: Sequence[Link]) -> str:
    """The eleven member states (shaded by referencing status) and the corridors between them."""
    lines = [
        "graph corridors {",
        '  layout=circo; bgcolor="transparent";',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9, color="#4a6fa5"];',
    ]
    for state in states:
        colour = _STATUS_COLOURS.get(state.referencing_status, "#eeeeee")
        label = dot_text(f"{state.code}\n{state.name}")
        tooltip = dot_text(f"{state.name}: {state.referencing_status or 'no referencing record'}")
        lines.append(
            f'  "{state.code}" [label="{label}", fillcolor="{colour}", tooltip="{tooltip}"];'
        )
    for link in links:
        # no edge labels: on a circular layout the trades of parallel corridors overlap; the
        # table under the drawing names them (and is its text alternative)
        lines.append(f'  "{link.a}" -- "{link.b}" [tooltip="{dot_text(link.name)}"];')
    lines.append("}")
    return "\n".join(lines)


def corridor_rows(links: Sequence[Link]) -> list[dict[str, str]]:
    """One row per corridor drawn: its trade and the member states it links."""
    parties: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for link in links:
        names[link.corridor] = link.name
        found = parties.setdefault(link.corridor, [])
        found += [code for code in (link.a, link.b) if code not in found]
    return [
        {"corridor": _corridor_short_name(names[c]), "links": ", ".join(sorted(parties[c]))}
        for c in sorted(names, key=lambda c: names[c])
    ]


def _corridor_short_name(name: str) -> str:
    """`MRS pilot corridor: Thailand with Cambodia in building electrical wiring` -> the trade."""
    text = name.removeprefix("MRS pilot corridor: ")
    trade = text.rsplit(" in ", 1)[-1] if " in " in text else text
    return trade if len(trade) <= 40 else trade[:39] + "…"


@dataclass(frozen=True)
class CurationRow:
    """One member state (or ASEAN) and kind of record in the curation report."""

    state: str
    kind: str
    records: int
    verified: int
    unverified: int
    illustrative: int
    failing_no_rule: int


def curation_report(store: EmbeddedStore) -> tuple[CurationRow, ...]:
    """Per member state and kind of record: the curation statuses, and how many records fail
    no shape and no curation rule (docs/curation.md), as `aqkg coverage` reports them."""
    matrix = coverage_matrix(store, failing_records(store))
    return tuple(
        CurationRow(state, kind, c.records, c.verified, c.unverified, c.illustrative, c.passing)
        for state, row in matrix.items()
        for kind, c in row.items()
        if c.records
    )
