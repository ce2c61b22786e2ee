"""The explorer validates an upload in a process of its own, limited in memory and time, and
the serving process keeps none of it (aqkg.explore.upload_worker). Real processes, a real
store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hostile import shapes
from test_ingest import make_workbook

from aqkg.explore import ExploreError, validate_in_worker, validate_upload
from aqkg.intake.project_files import load_project_files
from aqkg.store.embedded import EmbeddedStore, replace_store_directory

SUBMISSIONS = Path(__file__).parent / "fixtures" / "submissions"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "store"
    replace_store_directory(path, load_project_files())
    return path


def _resident_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * 4096


def test_the_worker_answers_as_the_page_did(store_path: Path) -> None:
    data = (SUBMISSIONS / "level-of-another-country.ttl").read_bytes()
    outcome = validate_in_worker("submission.ttl", data, store_path)
    expected = validate_upload("submission.ttl", data, EmbeddedStore.open(store_path))
    assert outcome == expected and not outcome.conforms


def test_refusals_come_back_as_one_line(store_path: Path, tmp_path: Path) -> None:
    path = shapes.wide_sheet(make_workbook(tmp_path / "ph.xlsx", load_project_files()), "units")
    with pytest.raises(ExploreError) as refused:
        validate_in_worker("wide.xlsx", path.read_bytes(), store_path)
    assert str(refused.value) == (
        "wide.xlsx: sheet 'units', row 1: a cell in column 51, over the 50 column limit (the "
        "template has fewer); delete the columns after the template's last one"
    )


def test_the_memory_limit_stops_the_worker_not_the_server(store_path: Path) -> None:
    data = (SUBMISSIONS / "valid-qualification.ttl").read_bytes()
    with pytest.raises(ExploreError) as stopped:
        validate_in_worker("big.ttl", data, store_path, memory_bytes=200 << 20)
    assert str(stopped.value) == (
        "big.ttl: validation stopped: it needed over 200 MB (the limit); split the file and "
        "validate the parts"
    )
    assert validate_in_worker("big.ttl", data, store_path).conforms  # the next one runs


def test_the_time_limit_stops_the_worker(store_path: Path) -> None:
    data = (SUBMISSIONS / "valid-qualification.ttl").read_bytes()
    with pytest.raises(ExploreError, match=r"^slow.ttl: validation stopped after 0.01 s \(the"):
        validate_in_worker("slow.ttl", data, store_path, timeout_seconds=0.01)


def test_the_serving_process_keeps_nothing_of_an_upload(store_path: Path, tmp_path: Path) -> None:
    """Before: each upload of the wide workbook added 4 GB to the Streamlit process."""
    wide = shapes.wide_csv_folder(tmp_path / "csv", files=1, columns=40, size=15_000_000)
    shutil.make_archive(str(tmp_path / "wide"), "zip", wide)
    data = (tmp_path / "wide.zip").read_bytes()
    before = _resident_bytes()
    for _ in range(2):
        with pytest.raises(ExploreError):
            validate_in_worker("wide.zip", data, store_path)
    assert _resident_bytes() - before < 20 << 20
