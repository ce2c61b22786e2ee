"""Validation reports for people: findings read out of pySHACL's report graph, grouped by record."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Protocol

import rdflib
from rdflib.namespace import SH

SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}
# Characters a terminal or a text viewer obeys instead of showing: C0 and C1 controls (NUL,
# ESC of terminal escape sequences, line breaks inside a one-line finding), DEL, and the
# bidirectional overrides that reorder what is shown.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with its control characters written as escapes (\\x1b, \\u202e): what a
    report shows of a submitter's value or header."""
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@dataclass(frozen=True, order=True)
class Finding:
    """One validation result, in plain strings."""

    focus: str
    severity: str
    message: str
    path: str | None = None
    value: str | None = None
    shape: str | None = None
    shape_name: str | None = None
    component: str | None = None
    # the message's two clauses when aqkg.validation.finding_text wrote it: what is wrong, and
    # what would be right
    problem: str | None = None
    fix: str | None = None


class HasSeverity(Protocol):
    @property
    def severity(self) -> str: ...


class SeverityTally:
    """What every report counts; conforms means no Violation (warnings never fail)."""

    findings: Sequence[HasSeverity]

    @property
    def violations(self) -> int:
        return sum(1 for f in self.findings if f.severity == "Violation")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "Warning")

    @property
    def conforms(self) -> bool:
        return self.violations == 0


@dataclass
class Report(SeverityTally):
    """The outcome of validating some RDF input, by record."""

    findings: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def by_focus(self) -> dict[str, list[Finding]]:
        grouped: dict[str, list[Finding]] = {}
        for finding in sorted(self.findings, key=_sort_key):
            grouped.setdefault(finding.focus, []).append(finding)
        return grouped


def _sort_key(finding: Finding) -> tuple[str, int, str]:
    return (finding.focus, SEVERITY_ORDER.get(finding.severity, 9), finding.message)


def findings_from_report_graph(
    report_graph: rdflib.Graph, shapes: rdflib.Graph | None = None
) -> list[Finding]:
    """Read every sh:ValidationResult; shape names come from the shapes graph when given."""
    findings = []
    for result in report_graph.subjects(rdflib.RDF.type, SH.ValidationResult):
        shape = report_graph.value(result, SH.sourceShape)
        findings.append(
            Finding(
                focus=_text(report_graph.value(result, SH.focusNode)) or "",
                severity=_local_name(report_graph.value(result, SH.resultSeverity)),
                message=_text(report_graph.value(result, SH.resultMessage)) or "(no message)",
                path=_text(report_graph.value(result, SH.resultPath)),
                value=_text(report_graph.value(result, SH.value)),
                shape=_text(shape),
                shape_name=_text(shapes.value(shape, SH.name)) if shapes and shape else None,
                component=_local_name(report_graph.value(result, SH.sourceConstraintComponent)),
            )
        )
    return sorted(set(findings), key=_sort_key)


def _text(node: rdflib.term.Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, rdflib.BNode):
        return "(blank node)"
    return str(node)


def _local_name(node: rdflib.term.Node | None) -> str:
    text = str(node or "")
    return text.rsplit("#", 1)[-1]


# -- output ------------------------------------------------------------------------------------


def as_text(report: Report) -> str:
    lines = []
    for focus, findings in report.by_focus().items():
        lines.append(f"{focus}")
        for finding in findings:
            where = f" [{_short(finding.path)}]" if finding.path else ""
            # the value once: an explained message names it already
            named = finding.problem is not None
            value = f" (value: {finding.value})" if finding.value and not named else ""
            lines.append(f"  {finding.severity.upper()}{where}: {finding.message}{value}")
    lines.append(_verdict(report))
    return "\n".join(printable(line) for line in lines)


def _verdict(report: Report) -> str:
    verdict = "CONFORMS" if report.conforms else "DOES NOT CONFORM"
    return (
        f"{verdict}: {report.violations} violation(s), {report.warnings} warning(s) "
        f"in {len(report.by_focus())} record(s); checked {', '.join(report.checked)}"
    )


def as_summary(report: Report, example_count: int = 3) -> str:
    """Violations in full; warnings and infos counted per shape, with a few example records.

    For whole-graph builds, where a hundred "add the year" warnings would bury the one
    violation that stops the build.
    """
    violations = Report([f for f in report.findings if f.severity == "Violation"])
    lines = as_text(violations).splitlines()[:-1]
    others: dict[tuple[str, str], list[str]] = {}
    for finding in report.findings:
        if finding.severity != "Violation":
            key = (finding.severity, finding.shape_name or finding.message)
            others.setdefault(key, []).append(finding.focus)
    for (severity, name), focuses in sorted(others.items()):
        examples = ", ".join(_short(f) for f in focuses[:example_count])
        more = f" and {len(focuses) - example_count} more" if len(focuses) > example_count else ""
        lines.append(f"{len(focuses):>5} x {severity.upper()} {name}: {examples}{more}")
    lines.append(_verdict(report))
    return "\n".join(lines)


def _short(iri: str) -> str:
    for prefix, namespace in (
        ("aqkg:", "https://w3id.org/aqkg/ontology#"),
        ("skos:", "http://www.w3.org/2004/02/skos/core#"),
        ("dcterms:", "http://purl.org/dc/terms/"),
        ("id:", "https://w3id.org/aqkg/id/"),
    ):
        if iri.startswith(namespace):
            return prefix + iri[len(namespace) :]
    return iri


def as_json(report: Report) -> str:
    payload = {
        "conforms": report.conforms,
        "violations": report.violations,
        "warnings": report.warnings,
        "checked": report.checked,
        "records": [
            {"focus": focus, "findings": [asdict(f) for f in findings]}
            for focus, findings in report.by_focus().items()
        ],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def as_turtle(report: Report) -> str:
    """A W3C sh:ValidationReport of the findings kept (after filtering to the input's records)."""
    graph, node = report_graph(report.conforms)
    for finding in report.findings:
        _add_result(graph, node, finding)
    return graph.serialize(format="turtle")


def report_graph(conforms: bool) -> tuple[rdflib.Graph, rdflib.BNode]:
    """An empty sh:ValidationReport, for the Turtle output of every kind of report."""
    graph = rdflib.Graph()
    graph.bind("sh", SH)
    node = rdflib.BNode()
    graph.add((node, rdflib.RDF.type, SH.ValidationReport))
    graph.add((node, SH.conforms, rdflib.Literal(conforms)))
    return graph, node


def _add_result(graph: rdflib.Graph, report_node: rdflib.BNode, finding: Finding) -> None:
    result = rdflib.BNode()
    graph.add((report_node, SH.result, result))
    graph.add((result, rdflib.RDF.type, SH.ValidationResult))
    graph.add((result, SH.focusNode, _node(finding.focus)))
    graph.add((result, SH.resultSeverity, SH[finding.severity]))
    graph.add((result, SH.resultMessage, rdflib.Literal(finding.message)))
    optional: Iterable[tuple[rdflib.URIRef, str | None]] = (
        (SH.resultPath, finding.path),
        (SH.sourceShape, finding.shape),
        (SH.value, finding.value),
    )
    for predicate, text in optional:
        if text is not None:
            graph.add((result, predicate, _node(text)))
    if finding.component:
        graph.add((result, SH.sourceConstraintComponent, SH[finding.component]))


def _node(text: str) -> rdflib.term.Identifier:
    if "://" in text and " " not in text:
        return rdflib.URIRef(text)
    return rdflib.Literal(text)


FORMATTERS = {"text": as_text, "json": as_json, "turtle": as_turtle}
