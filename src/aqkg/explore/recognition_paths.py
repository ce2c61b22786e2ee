"""The Recognition page's data: the choices to start from, the recognition engine's
answer, and that answer as CSV and as a drawn path (Graphviz DOT)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from aqkg.explore._store import rows
from aqkg.explore._text import dot_text
from aqkg.explore.labels import labelled, local_labels
from aqkg.recognition.engine import (
    Candidate,
    Coverage,
    Everywhere,
    Recognition,
    UnitMatch,
    recognise,
    recognise_everywhere,
)
from aqkg.sparql.results import defuse_formula
from aqkg.store.embedded import EmbeddedStore


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


def recognition_everywhere(store: EmbeddedStore, reference: str) -> Everywhere:
    """The engine's answer for every other member state, one plain verdict each."""
    return recognise_everywhere(store, reference)


def country_choices(store: EmbeddedStore) -> list[Choice]:
    """The eleven member states, with how many qualifications the graph holds for each."""
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
    "via_regional_unit",
    "relation",
    "curation_warnings",
)


def recognition_csv(rec: Recognition) -> str:
    """One row per unit of each candidate and of each certification path (rank C1, C2...):
    covered, partly covered or missing, and by what."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RECOGNITION_CSV_COLUMNS)
    for c in rec.candidates:
        head = [str(c.rank), c.qualification.reference, c.qualification.title, c.basis.kind]
        writer.writerows(_unit_rows(head, c.coverage, c.warnings))
    for cert in rec.certifications:
        target = f"{cert.standard_title} job title"
        head = [f"C{cert.rank}", target, cert.job_title_name, "certification"]
        writer.writerows(_unit_rows(head, cert.coverage, cert.warnings))
    return buffer.getvalue()


def _unit_rows(head: list[str], coverage: Coverage, warnings: Sequence[str]) -> list[list[str]]:
    """A path's rows: its head columns, then one unit each, formulas defused."""
    head = [*head, str(coverage.covered), str(coverage.total), coverage.weakest or ""]
    joined = "; ".join(warnings)
    tails = [
        [
            m.unit.code,
            m.unit.title,
            "covered" if m.covers == "full" else "partly covered",
            m.matched_by.code,
            m.via.code if m.via else "",
            m.relation,
            joined,
        ]
        for m in coverage.matches
    ]
    tails += [[u.unit.code, u.unit.title, "missing", "", "", "", joined] for u in coverage.missing]
    return [[defuse_formula(x) for x in head + tail] for tail in tails]


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
        f'  "held" -> "target" [label="{dot_text(basis)}", style=dashed, color="#4a6fa5", '
        "constraint=false];"
    )
    seen: set[str] = set()
    for match in candidate.coverage.matches:
        lines += _match_edges(match, seen)
    for missing in candidate.coverage.missing:
        node = "u:" + missing.unit.iri
        label = dot_text(f"{missing.unit.code}\nmissing")
        lines.append(
            f'  "{node}" [label="{label}", fillcolor="#fde0dc", color="#c62828", '
            f'tooltip="{dot_text(missing.unit.title)}"];'
        )
        lines.append(f'  "{node}" -> "target" [color="#c62828", style=dotted];')
    lines.append("}")
    return "\n".join(lines)


def _qualification_node(node: str, reference: str, title: str) -> str:
    label = dot_text(reference + "\n" + _clip(title))
    return f'  "{node}" [label="{label}", fillcolor="#dbe8f7", penwidth=2];'


def _match_edges(match: UnitMatch, seen: set[str]) -> list[str]:
    lines: list[str] = []
    units = [match.matched_by, *([match.via] if match.via else []), match.unit]
    for unit in units:
        node = "u:" + unit.iri
        if node not in seen:
            seen.add(node)
            fill = "#f3e5f5" if unit is match.via else "#ffffff"
            label = dot_text(f"{unit.code}\n{_clip(unit.title, 28)}")
            lines.append(f'  "{node}" [label="{label}", fillcolor="{fill}"];')
    lines.append(f'  "held" -> "u:{match.matched_by.iri}" [color="#888888", arrowhead=none];')
    for hop, (a, b) in zip(match.hops, pairwise(units), strict=False):
        colour = _RELATION_COLOURS.get(hop.relation, "#555555")
        lines.append(f'  "u:{a.iri}" -> "u:{b.iri}" [label="{hop.relation}", color="{colour}"];')
    lines.append(f'  "u:{match.unit.iri}" -> "target" [color="#888888", arrowhead=none];')
    return lines


def _clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
