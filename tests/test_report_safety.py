"""What a submitter's text can do to the people reading reports and downloads: control
characters are shown escaped in every report, and every table the explorer offers for download
has its formulas defused (the tables' own export is off)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from test_ingest import FIXTURE

from aqkg import explore
from aqkg.cli.main import main
from aqkg.intake.project_files import load_project_files
from aqkg.validation.report import printable

HOSTILE_HEADER = "note\x00\x1b[31mred\u202e"
FORMULA = "+cmd|' /C calc'!A0"


def test_printable_escapes_controls_and_keeps_text() -> None:
    assert printable("a\x00b\x1b[2Jc\u202ed\ne\tf é ü") == (
        "a\\x00b\\x1b[2Jc\\u202ed\\x0ae\\x09f é ü"
    )


def _hostile_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "csv"
    shutil.copytree(FIXTURE, folder)
    units = folder / "units.csv"
    rows = list(csv.reader(io.StringIO(units.read_text(encoding="utf-8"))))
    rows[0].append(HOSTILE_HEADER)
    rows[3][0] = FORMULA  # a code no identifier can be made of: its value is reported
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    units.write_text(buffer.getvalue(), encoding="utf-8")
    return folder


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_reports_show_control_characters_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """Before: NUL bytes and terminal escapes from CSV headers were printed raw."""
    assert main(["validate", "--format", fmt, str(_hostile_folder(tmp_path))]) == 1
    out = capsys.readouterr().out
    assert "\x00" not in out and "\x1b" not in out and "\u202e" not in out
    shown = out.replace("\\\\", "\\")  # Markdown doubles the backslashes
    assert "note\\x00\\x1b[31mred\\u202e" in shown


def test_ingest_warnings_and_errors_show_control_characters_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _hostile_folder(tmp_path)
    main(["ingest", str(folder), "-o", str(tmp_path / "out.ttl")])
    err = capsys.readouterr().err
    assert "\x1b" not in err and "note\\x00\\x1b[31mred" in err
    (folder / "about.csv").write_text("key,value\ncountry,\x1b[2JXX\n", encoding="utf-8")
    assert main(["ingest", str(folder), "-o", str(tmp_path / "out.ttl")]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "\x1b" not in line and "'\\x1b[2JXX' is not an ASEAN member state code" in line


def test_the_findings_download_defuses_formulas(tmp_path: Path) -> None:
    """Before: the findings table's own "Download as CSV" wrote +cmd|' /C calc'!A0."""
    folder = _hostile_folder(tmp_path)
    archive = shutil.make_archive(str(tmp_path / "upload"), "zip", folder)
    outcome = explore.validate_upload(
        "upload.zip", Path(archive).read_bytes(), load_project_files()
    )
    rows = list(csv.DictReader(io.StringIO(explore.findings_csv(outcome))))
    values = [row["value"] for row in rows if FORMULA in row["value"]]
    assert values == ["'" + FORMULA]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())


def test_every_table_download_defuses_and_the_widget_export_is_off() -> None:
    text = explore.table_csv([{"a": FORMULA, "b": None}, {"a": "=1+1", "b": 2}])
    assert text == "a,b\n'+cmd|' /C calc'!A0,\n'=1+1,2\n"
    assert "--client.disableDataExport=true" in explore.streamlit_command()
    views = Path(__file__).parents[1] / "app" / "views"
    for page in ("frameworks", "qualifications", "arrangements"):
        source = (views / f"{page}.py").read_text(encoding="utf-8")
        assert "st.dataframe(" not in source, page  # tables go through ui_common.table
