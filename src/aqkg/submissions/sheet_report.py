"""Validation of spreadsheet submissions, reported by sheet, row and column.

Runs the ingest, then the shapes through `aqkg.validation.validate.validate_triples` (the same
context rules as for RDF files), and puts every finding back on the cell it came from using the
ingest's provenance: a finding on focus node F with result path P and value V is placed on the
cell that produced the triple (F, P, V); when there is no such triple (a missing value) it is
placed on F's row and the column mapped to P. Each finding says what is wrong (the shape's
name) and how to fix it (the shape's message). Outputs: text, JSON, Markdown, HTML (a
standalone page, every value escaped) and Turtle (a sh:ValidationReport; the cell is given as
rdfs:comment since SHACL has no term for it).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import rdflib
from rdflib.namespace import RDFS, SH

from aqkg.intake.ingest import Ingested, SheetFinding, ingest
from aqkg.store.embedded import EmbeddedStore
from aqkg.validation.report import SEVERITY_ORDER, Finding, SeverityTally, printable, report_graph
from aqkg.validation.validate import validate_triples


@dataclass
class SheetReport(SeverityTally):
    """The outcome of validating a filled template, by sheet, row and column."""

    checked: str
    country: str
    findings: list[SheetFinding] = field(default_factory=list)
    records: int = 0

    def sorted_findings(self) -> list[SheetFinding]:
        return sorted(self.findings, key=_order)


def _order(finding: SheetFinding) -> tuple[str, int, str, int, str]:
    return (
        finding.sheet or "~",
        finding.row or 0,
        finding.column or "",
        SEVERITY_ORDER.get(finding.severity, 9),
        finding.problem,
    )


def validate_spreadsheet(
    path: Path, context: EmbeddedStore, country: str | None = None
) -> tuple[SheetReport, Ingested]:
    """Ingest and validate a filled template; raises IngestError on unusable input."""
    ingested = ingest(path, country)
    report = validate_triples(
        ingested.triples, context, checked=[str(path)], country=ingested.country
    )
    located = [locate(finding, ingested) for finding in report.findings]
    return (
        SheetReport(str(path), ingested.country, ingested.findings + located, ingested.records),
        ingested,
    )


def locate(finding: Finding, ingested: Ingested) -> SheetFinding:
    cell = ingested.provenance.locate(finding.focus, finding.path, finding.value)
    return SheetFinding(
        sheet=cell.sheet if cell else None,
        row=cell.row if cell else None,
        column=cell.column if cell else None,
        value=cell.value if cell and cell.value is not None else finding.value,
        severity=finding.severity,
        problem=finding.problem or finding.shape_name or finding.component or "constraint not met",
        fix=finding.fix or finding.message,
        focus=finding.focus,
        path=finding.path,
        shape=finding.shape,
    )


def where(finding: SheetFinding) -> str:
    parts = [
        f"sheet {finding.sheet}" if finding.sheet else "",
        f"row {finding.row}" if finding.row else "",
        f"column {finding.column}" if finding.column else "",
    ]
    return ", ".join(p for p in parts if p) or (finding.focus or "(whole file)")


def message(finding: SheetFinding) -> str:
    """The finding in one sentence: what is wrong; what would be right."""
    return f"{finding.problem}; {_decapitalised(finding.fix)}"


def _decapitalised(text: str) -> str:
    text = text.rstrip(".")
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def _value(finding: SheetFinding) -> str:
    """` (value: X)`, unless the message already names X."""
    value = finding.value
    return "" if value is None or value in finding.problem else f" (value: {value})"


def _verdict(report: SheetReport) -> str:
    verdict = "CONFORMS" if report.conforms else "DOES NOT CONFORM"
    return (
        f"{verdict}: {report.violations} violation(s), {report.warnings} warning(s); "
        f"{report.records} record(s) for {report.country} in {report.checked}"
    )


def as_text(report: SheetReport) -> str:
    lines = []
    for f in report.sorted_findings():
        lines.append(f"{f.severity.upper()} {where(f)}{_value(f)}: {message(f)}")
    lines.append(_verdict(report))
    return "\n".join(printable(line) for line in lines)


def as_json(report: SheetReport) -> str:
    payload = {
        "conforms": report.conforms,
        "violations": report.violations,
        "warnings": report.warnings,
        "country": report.country,
        "checked": report.checked,
        "records": report.records,
        "findings": [asdict(f) for f in report.sorted_findings()],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


_COLUMNS = ("severity", "sheet", "row", "column", "value", "problem", "fix")


def _cells(finding: SheetFinding) -> list[str]:
    return ["" if (v := getattr(finding, name)) is None else printable(str(v)) for name in _COLUMNS]


def as_markdown(report: SheetReport) -> str:
    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

    lines = [f"**{_verdict(report)}**", ""]
    if report.findings:
        lines.append("| " + " | ".join(_COLUMNS) + " |")
        lines.append("|" + "---|" * len(_COLUMNS))
        for finding in report.sorted_findings():
            lines.append("| " + " | ".join(escape(c) for c in _cells(finding)) + " |")
    return "\n".join(lines)


def as_html(report: SheetReport) -> str:
    rows = "\n".join(
        f'<tr class="{html.escape(f.severity.lower())}">'
        + "".join(f"<td>{html.escape(c)}</td>" for c in _cells(f))
        + "</tr>"
        for f in report.sorted_findings()
    )
    header = "".join(f"<th>{html.escape(c)}</th>" for c in _COLUMNS)
    title = html.escape(f"aqkg validation: {report.checked}")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}
tr.violation td:first-child{{color:#b00}}tr.warning td:first-child{{color:#a60}}</style>
</head><body><h1>{title}</h1>
<p>{html.escape(_verdict(report))}</p>
<table><thead><tr>{header}</tr></thead><tbody>
{rows}
</tbody></table></body></html>
"""


def as_turtle(report: SheetReport) -> str:
    graph, node = report_graph(report.conforms)
    for finding in report.findings:
        result = rdflib.BNode()
        graph.add((node, SH.result, result))
        graph.add((result, rdflib.RDF.type, SH.ValidationResult))
        graph.add((result, SH.resultSeverity, SH[finding.severity]))
        text = message(finding)
        graph.add((result, SH.resultMessage, rdflib.Literal(text, lang="en")))
        graph.add((result, RDFS.comment, rdflib.Literal(where(finding))))
        if finding.focus:
            graph.add((result, SH.focusNode, rdflib.URIRef(finding.focus)))
        if finding.path:
            graph.add((result, SH.resultPath, rdflib.URIRef(finding.path)))
        if finding.shape:
            graph.add((result, SH.sourceShape, rdflib.URIRef(finding.shape)))
        if finding.value is not None:
            graph.add((result, SH.value, rdflib.Literal(finding.value)))
    return graph.serialize(format="turtle")


FORMATTERS: dict[str, Callable[[SheetReport], str]] = {
    "text": as_text,
    "json": as_json,
    "markdown": as_markdown,
    "html": as_html,
    "turtle": as_turtle,
}
