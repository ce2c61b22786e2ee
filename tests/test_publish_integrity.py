"""Publishing says what it read and removes, refuses to remove a large share of a country's
records unless allowed, and waits a bounded time for another command's write lock. Real
stores, real processes; the submission is the FICTIONAL PH fixture (9 records)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from test_ingest import FIXTURE, Rows, make_workbook

from aqkg.cli.main import main
from aqkg.store.embedded import EmbeddedStore
from aqkg.submissions import publish as publish_module
from aqkg.submissions.publish import MAX_REMOVED_SHARE, PublishError, history, publish

pytest_plugins = ["project_stores"]  # context, base_store, store_path


def _without_qualifications(count: int) -> Callable[[Rows], None]:
    def edit(rows: Rows) -> None:
        del rows["qualifications"][:count]

    return edit


def _quads(store_path: Path) -> set[ox.Quad]:
    store = ox.Store.read_only(str(store_path))
    quads = set(store)
    del store
    return quads


def test_publish_announces_the_rows_it_read(
    tmp_path: Path, store_path: Path, context: EmbeddedStore
) -> None:
    lines: list[str] = []
    publish(make_workbook(tmp_path / "ph.xlsx", context), "PH", store_path, announce=lines.append)
    assert lines == [
        "read ph.xlsx: mappings 1 row(s), occupations 1 row(s), qualifications 2 row(s), "
        "sources 1 row(s), standards 1 row(s), units 3 row(s)"
    ]


def test_removing_over_the_share_is_refused_unless_allowed(
    tmp_path: Path, store_path: Path, context: EmbeddedStore
) -> None:
    assert MAX_REMOVED_SHARE == 0.2  # of 9 records: 1 may go, 2 may not
    publish(FIXTURE, "PH", store_path)
    before = _quads(store_path)
    two = make_workbook(tmp_path / "two.xlsx", context, _without_qualifications(2))
    lines: list[str] = []
    with pytest.raises(PublishError) as refused:
        publish(two, "PH", store_path, announce=lines.append)
    assert str(refused.value) == (
        "not published: the submission removes 2 of the 9 records PH has published, over 20%; "
        "check that it holds every sheet and row (see `aqkg diff` after publishing), or "
        "publish again with --allow-removals (the store is unchanged)"
    )
    assert lines[1].startswith("removes 2 of 9 record(s): https://w3id.org/aqkg/id/qualif")
    assert _quads(store_path) == before and len(history(store_path, "PH")) == 1
    one = make_workbook(tmp_path / "one.xlsx", context, _without_qualifications(1))
    assert len(publish(one, "PH", store_path).removed) == 1
    assert len(publish(two, "PH", store_path, allow_removals=True).removed) == 1


def test_cli_prints_what_it_read_and_takes_allow_removals(
    tmp_path: Path, store_path: Path, context: EmbeddedStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["publish", str(FIXTURE), "--country", "PH", "--store", str(store_path)]) == 0
    assert "read ph-fictional: mappings 1 row(s)" in capsys.readouterr().out
    two = make_workbook(tmp_path / "two.xlsx", context, _without_qualifications(2))
    command = ["publish", str(two), "--country", "PH", "--store", str(store_path)]
    assert main(command) == 2
    captured = capsys.readouterr()
    assert "removes 2 of 9 record(s)" in captured.out
    (line,) = captured.err.splitlines()
    assert line.startswith("aqkg: error: not published: the submission removes 2 of the 9")
    assert main([*command, "--allow-removals"]) == 0
    assert "published PH v2" in capsys.readouterr().out


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import pyoxigraph
    from aqkg.submissions.publish import _using_store

    def hold(store):
        print("held", flush=True)
        time.sleep(float(sys.argv[2]))

    if sys.argv[3] == "raw":
        hold(pyoxigraph.Store(sys.argv[1]))
    else:
        _using_store(Path(sys.argv[1]), hold, "a publish of TH")
    """
)


def _holding(store_path: Path, seconds: float, raw: bool = False) -> subprocess.Popen[str]:
    """Another process holding the store's write lock for `seconds`, through aqkg's publish
    (which says who it is) or `raw` (a program that does not)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(store_path), str(seconds), "raw" if raw else "aqkg"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def test_a_second_publish_says_who_holds_the_store(
    store_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: `IO error: While lock file: .../LOCK: Resource temporarily unavailable`."""
    monkeypatch.setattr(publish_module, "LOCK_WAIT_SECONDS", 0.5)
    holder = _holding(store_path, 30)
    try:
        with pytest.raises(PublishError) as refused:
            publish(FIXTURE, "PH", store_path)
        message = str(refused.value)
        assert message.startswith("a publish of TH is running since 20")
        assert message.endswith("(waited 0.5 s); try again")
        assert main(["publish", str(FIXTURE), "--country", "PH", "--store", str(store_path)]) == 2
        (line,) = capsys.readouterr().err.splitlines()
        assert line.startswith("aqkg: error: a publish of TH is running since")
    finally:
        holder.kill()
        holder.wait()
    assert publish(FIXTURE, "PH", store_path).version == 1  # the lock went with the holder


def test_a_lock_held_by_another_program_is_named_so(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publish_module, "LOCK_WAIT_SECONDS", 0.5)
    holder = _holding(store_path, 30, raw=True)
    try:
        with pytest.raises(PublishError) as refused:
            publish(FIXTURE, "PH", store_path)
        assert str(refused.value) == (
            f"another command is writing to the store at {store_path} (an aqkg build?; "
            "waited 0.5 s); try again"
        )
    finally:
        holder.kill()
        holder.wait()


def test_a_publish_waits_for_a_short_lock(store_path: Path) -> None:
    holder = _holding(store_path, 1.0)
    try:
        assert publish(FIXTURE, "PH", store_path).version == 1  # waited, then published
    finally:
        holder.wait()
