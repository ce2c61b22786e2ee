"""Every finding says what is wrong with the value and what would be right (issue 17, item 3).

Runs every invalid example of the shapes (tests/shapes/*/invalid) and the sheet-level cases of
test_ingest through the validation users run, and reads every message: it names the value or the
record, it has a clause saying what would be right, it is not the rule's name alone, and no
phrase of four words comes twice in the line a report prints.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from test_ingest import CROSS_RECORD_CASES, Rows, make_workbook

from aqkg.intake.project_files import load_project_files
from aqkg.store.embedded import EmbeddedStore
from aqkg.submissions.sheet_report import message, validate_spreadsheet, where
from aqkg.validation.finding_text import short
from aqkg.validation.report import Finding, as_text
from aqkg.validation.validate import validate_files

EXAMPLES = sorted(Path(__file__).parent.glob("shapes/*/invalid/*.ttl"))
WORD = re.compile(r"[\w@:/.\"-]+")


def repeated_phrase(text: str, length: int = 4) -> str | None:
    """A phrase of `length` words that comes twice in `text`, if any."""
    words = [w.strip('.,;:()"').lower() for w in WORD.findall(text)]
    seen: set[tuple[str, ...]] = set()
    for i in range(len(words) - length + 1):
        phrase = tuple(words[i : i + length])
        if phrase in seen:
            return " ".join(phrase)
        seen.add(phrase)
    return None


def check(finding: Finding) -> None:
    assert finding.problem and finding.fix, f"not explained: {finding}"
    assert finding.message == f"{finding.problem}; {finding.fix}"
    named = {short(finding.focus, finding.focus)}
    if finding.value:
        named |= {finding.value, short(finding.value, finding.focus)}
    assert any(n in finding.problem for n in named), f"names neither value nor record: {finding}"
    rule = (finding.shape_name or "").lower()
    assert finding.problem.lower() not in (rule, f"problem: {rule}"), finding


@pytest.fixture(scope="module")
def bare_context() -> EmbeddedStore:
    """No data beside the example: each example holds all it needs (the ontology is added)."""
    return EmbeddedStore.in_memory()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_every_message_of_an_invalid_example_names_the_value_and_the_fix(
    path: Path, bare_context: EmbeddedStore
) -> None:
    report = validate_files([path], bare_context)
    assert report.findings
    for finding in report.findings:
        check(finding)
    for line in as_text(report).splitlines():
        assert repeated_phrase(line) is None, f"repeats {repeated_phrase(line)!r}: {line}"


@pytest.mark.parametrize("rule", sorted(CROSS_RECORD_CASES))
def test_every_sheet_message_names_the_value_and_the_fix(tmp_path: Path, rule: str) -> None:
    context = load_project_files()
    edit: Callable[[Rows], None] = CROSS_RECORD_CASES[rule][0]
    report, _ = validate_spreadsheet(make_workbook(tmp_path / "s.xlsx", context, edit), context)
    assert report.findings
    for finding in report.findings:
        text = message(finding)
        assert finding.problem != finding.fix and "; " in text
        line = f"{where(finding)} {text}"
        assert repeated_phrase(line) is None, f"repeats {repeated_phrase(line)!r}: {line}"


def test_the_phrase_check_catches_a_repetition() -> None:
    assert repeated_phrase("not published: x.xlsx: not published, 1 violation", 2) == (
        "not published"
    )
    assert repeated_phrase("LA-STD-BRX is not in the standards sheet; codes there: A, B") is None


def test_every_rule_message_says_the_problem_then_the_fix() -> None:
    """aqkg.validation.finding_text splits a SPARQL rule's message at its first colon: the
    shapes write them as `<problem naming {?value} or this record>: <what to do>`."""
    from rdflib.namespace import SH

    from aqkg.validation.shapes import load_shapes

    shapes = load_shapes()
    for shape in set(shapes.subjects(SH.sparql, None)):
        text = str(shapes.value(shape, SH.message))
        assert ": " in text, f"{shape}: {text}"
