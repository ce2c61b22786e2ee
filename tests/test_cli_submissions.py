"""The submission route on the command line: template, validate, ingest, publish, history,
diff, rollback, with the exit codes an agency's script can rely on."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from aqkg.cli.main import main

FICTIONAL = Path(__file__).parent / "fixtures" / "spreadsheets" / "ph-fictional"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sub") / "store"
    assert main(["build", "--store", str(path)]) == 0
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_template_then_validate_the_fictional_filled_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "template", "--country", "PH", "-o", str(tmp_path / "ph.xlsx"))
    assert code == 0 and (tmp_path / "ph.xlsx").is_file()
    code, out, _ = run(capsys, "validate", str(FICTIONAL), "--format", "markdown")
    assert code == 0, out
    code, out, _ = run(capsys, "validate", str(tmp_path / "ph.xlsx"))
    assert code == 2  # a blank template has no records: unusable, one line


def test_a_spreadsheet_problem_is_named_by_sheet_row_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "ph"
    shutil.copytree(FICTIONAL, broken)
    rows = list(csv.reader((broken / "qualifications.csv").open(encoding="utf-8")))
    level = rows[0].index("level")
    rows[3][level] = "PQF-9"  # first data row: a level the PQF does not have
    with (broken / "qualifications.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    code, out, _ = run(capsys, "validate", str(broken))
    assert code == 1
    assert "qualifications" in out and "row 4" in out and "level" in out


def test_ingest_publish_history_diff_rollback(
    store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_ttl = tmp_path / "ph.ttl"
    assert run(capsys, "ingest", str(FICTIONAL), "-o", str(out_ttl))[0] == 0
    assert out_ttl.stat().st_size > 0
    store = ["--store", str(store_path)]
    assert run(capsys, "publish", str(FICTIONAL), "--country", "PH", *store)[0] == 0
    code, _, err = run(capsys, "publish", str(out_ttl), "--country", "PH", *store)
    assert code == 2 and "already holds exactly this data" in err
    text = out_ttl.read_text(encoding="utf-8")
    out_ttl.write_text(text.replace("(fictional", "(fictional, revised", 1), encoding="utf-8")
    assert run(capsys, "publish", str(out_ttl), "--country", "PH", *store)[0] == 0
    code, out, _ = run(capsys, "history", "PH", *store)
    assert code == 0 and out.startswith("v1") and "\nv2" in out
    assert run(capsys, "diff", "PH", "1", "2", *store)[1].startswith("PH: v1 -> v2")
    code, out, _ = run(capsys, "rollback", "PH", "--to", "1", *store)
    assert code == 0 and "v3" in out
    code, _, err = run(capsys, "rollback", "PH", "--to", "9", *store)
    assert code == 2 and err.count("\n") == 1


def test_publishing_an_invalid_submission_exits_1_and_publishes_nothing(
    store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    invalid = Path(__file__).parent / "fixtures/submissions/level-of-another-country.ttl"
    code, out, err = run(
        capsys, "publish", str(invalid), "--country", "PH", "--store", str(store_path)
    )
    assert code == 1 and "TEST-002" in out and "not published" in err
