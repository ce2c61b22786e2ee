"""A new member state's submission, end to end, as a national agency would make it (issue 17).

The Lao template is generated and filled with a small FICTIONAL submission: the framework with
three of its eight levels, two standards, two units, one qualification, two mappings, every row
illustrative and labelled fictional. It re-describes an organisation a regional file also
describes (MOLSW, in data/regional/mrs.ttl) and points to ASEAN occupations (`ASEAN/bricklayer`).
It validates clean, publishes beside the curated data and reads back one row per fact. A planted
typo gets a message naming the wrong code and the codes there, and a refused publish says "not
published" once.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook

from aqkg.build.pipeline import build
from aqkg.cli.main import main
from aqkg.intake.templates import controlled_lists, write_template
from aqkg.store.embedded import EmbeddedStore
from aqkg.submissions.sheet_report import as_text, message, validate_spreadsheet

Rows = dict[str, list[dict[str, str]]]
SOURCE = "aqkg-test-fictional-la"
FICTIONAL = {"source": SOURCE, "curation_status": "illustrative"}


def lao_rows() -> Rows:
    """The fictional Lao submission, sheet by sheet (columns as the template names them)."""
    levels = [
        {"framework": "LNQF", "rank": str(rank), "notation": str(rank)}
        | {"title_en": f"LNQF level {rank} (fictional)", **FICTIONAL}
        for rank in (1, 2, 3)
    ]
    alignments = [
        {"framework": "LNQF", "national_level": str(n), "aqrf_level": str(n)}
        | {"match_type": "close", **FICTIONAL}
        for n in (1, 2)
    ]
    units = [
        {"code": f"LA-U-{n}", "title_en": title, "standard": "LA-STD-BR1", **FICTIONAL}
        for n, title in ((1, "Lay bricks (fictional)"), (2, "Plaster walls (fictional)"))
    ]
    mappings = [
        {"code": f"la-map-{n}", "subject_kind": "unit", "subject": f"LA-U-{n}"}
        | {"match_type": "close", "object_kind": "unit", "object": f"ASEAN/ILLUS-BRK-0{n}"}
        | {"justification": "document comparison", "author": "aqkg tests", **FICTIONAL}
        for n in (1, 2)
    ]
    return {
        "sources": [
            {
                "code": SOURCE,
                "title": "Fictional Lao submission used by the aqkg tests",
                "publisher": "aqkg tests",
                "year": "2026",
                "url": "https://example.org/aqkg-fictional-la",
            }
        ],
        "organisations": [
            {
                "code": "MOLSW",  # also described by data/regional/mrs.ttl
                "title_en": "Ministry of Labour and Social Welfare",
                "acronym": "MOLSW",
                "roles": "competent authority; awarding body",
                **FICTIONAL,
            }
        ],
        "framework": [
            {"code": "LNQF", "title_en": "Lao National Qualifications Framework (fictional)"}
            | {"status": "in force", "level_count": "8", "responsible_body": "MOLSW", **FICTIONAL}
        ],
        "levels": levels,
        "referencing": [
            {"framework": "LNQF", "title_en": "Referencing of the LNQF to the AQRF (fictional)"}
            | {"status": "in progress", **FICTIONAL}
        ],
        "alignments": alignments,
        "standards": [
            {"code": code, "title_en": f"{title} (fictional)", "developed_by": "MOLSW"}
            | {"occupation": occupation, "sector": "construction", **FICTIONAL}
            for code, title, occupation in (
                ("LA-STD-BR1", "Bricklaying standard", "ASEAN/bricklayer"),
                ("LA-STD-BR2", "Plastering standard", "ASEAN/plasterer"),
            )
        ],
        "units": units,
        "qualifications": [
            {"code": "LA-Q-BRK-1", "title_en": "Certificate in bricklaying (fictional)"}
            | {"level": "LNQF-1", "awarded_by": "MOLSW", "standards": "LA-STD-BR1"}
            | {"units": "LA-U-1; LA-U-2", "occupation": "ASEAN/bricklayer", **FICTIONAL}
        ],
        "mappings": mappings,
    }


def lao_workbook(
    path: Path, context: EmbeddedStore, edit: Callable[[Rows], None] | None = None
) -> Path:
    """The generated Lao template, filled from row 4 as an officer would."""
    rows = lao_rows()
    if edit:
        edit(rows)
    write_template("LA", path, controlled_lists("LA", context))
    workbook = load_workbook(path)
    for sheet_name, records in rows.items():
        sheet = workbook[sheet_name]
        headers = [str(cell.value) for cell in sheet[1]]
        for offset, record in enumerate(records):
            for index, header in enumerate(headers, start=1):
                sheet.cell(row=4 + offset, column=index, value=record.get(header) or None)
    workbook.save(path)
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("la") / "store"
    summary, _ = build(path)
    assert summary.written
    return path


@pytest.fixture
def store_path(built: Path, tmp_path: Path) -> Path:
    """A copy of the built store, for a test that publishes into it."""
    copy = tmp_path / "store"
    shutil.copytree(built, copy)
    return copy


def test_a_lao_workbook_validates_publishes_and_reads_back_one_row_per_fact(
    store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    context = EmbeddedStore.open(store_path)
    workbook = lao_workbook(tmp_path / "la.xlsx", context)
    report, _ = validate_spreadsheet(workbook, context)
    assert report.conforms, as_text(report)
    assert not report.findings, as_text(report)
    assert report.records == 16
    del context

    assert main(["publish", str(workbook), "--country", "LA", "--store", str(store_path)]) == 0
    capsys.readouterr()
    rows = _csv(store_path, "frameworks", capsys)
    assert len(rows) == 1  # one framework, one status, one curation status
    assert rows[0]["name"] == "Lao National Qualifications Framework (fictional)"
    assert rows[0]["statedLevels"] == "8" and rows[0]["curation"] == "illustrative"
    statuses = _csv(store_path, "referencing-status", capsys)
    assert len(statuses) == 1 and statuses[0]["status"] == "referencing in progress"


def _csv(store_path: Path, query: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, str]]:
    options = ["--param", "country=LA", "--store", str(store_path), "--format", "csv"]
    assert main(["query", query, *options]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def _typo(rows: Rows) -> None:
    rows["units"][1]["standard"] = "LA-STD-BRX"


def test_a_typo_in_a_reference_names_the_code_and_the_codes_there(
    built: Path, tmp_path: Path
) -> None:
    context = EmbeddedStore.open(built)
    report, _ = validate_spreadsheet(lao_workbook(tmp_path / "la.xlsx", context, _typo), context)
    (finding,) = [f for f in report.findings if f.severity == "Violation"]
    assert (finding.sheet, finding.row, finding.column) == ("units", 5, "standard")
    assert message(finding) == (
        "LA-STD-BRX is not in the standards sheet; codes there: LA-STD-BR1, LA-STD-BR2, "
        "ILLUS-bricklaying"  # the most alike first; the curated standard of Lao PDR last
    )
    # the value once: the message names it, so the line does not add "(value: ...)"
    line = next(line for line in as_text(report).splitlines() if "LA-STD-BRX" in line)
    assert line.count("LA-STD-BRX") == 1


def test_a_refused_publish_says_not_published_once(
    store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    context = EmbeddedStore.open(store_path)
    workbook = lao_workbook(tmp_path / "la.xlsx", context, _typo)
    del context
    assert main(["publish", str(workbook), "--country", "LA", "--store", str(store_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("not published") == 1, err
