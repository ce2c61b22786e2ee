"""Publishing a country's submission as a versioned named graph: validation gate, history,
diff, rollback, and atomicity under SIGKILL. Submissions are the FICTIONAL PH fixture
(tests/fixtures/spreadsheets/ph-fictional) and synthetic triples."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from test_ingest import FIXTURE, Rows, make_workbook

from aqkg.intake.ingest import ingest
from aqkg.store.embedded import EmbeddedStore
from aqkg.submissions.publish import (
    PENDING,
    PublishError,
    commit_version,
    diff,
    graph_hash,
    history,
    history_dir,
    load_version,
    publish,
    published_graph,
    recover,
    rollback,
)
from aqkg.submissions.sheet_report import SheetReport

ID = "https://w3id.org/aqkg/id/"


pytest_plugins = ["project_stores"]  # context, base_store, store_path


def _all_quads(store_path: Path) -> set[ox.Quad]:
    store = ox.Store.read_only(str(store_path))
    quads = set(store)
    del store
    return quads


def _graph(store_path: Path, country: str = "PH") -> set[ox.Triple]:
    store = ox.Store.read_only(str(store_path))
    node = ox.NamedNode(published_graph(country))
    triples = {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, node)
    }
    del store
    return triples


def test_real_country_template_round_trips_to_a_published_graph(
    tmp_path: Path, store_path: Path, context: EmbeddedStore
) -> None:
    workbook = make_workbook(tmp_path / "ph.xlsx", context)  # template -> filled
    ingested = ingest(workbook)
    before = _all_quads(store_path)
    version = publish(workbook, "PH", store_path)
    assert version.version == 1 and version.records == ingested.records == 9
    assert _graph(store_path) == set(ingested.triples)
    assert before < _all_quads(store_path)  # nothing else touched
    assert [v.version for v in history(store_path, "PH")] == [1]
    assert len(history(store_path, "PH")[0].added) == 9
    # the SPARQL server route's extra fields stay out of the embedded manifest
    manifest = json.loads((history_dir(store_path, "PH") / "manifest.json").read_text())
    assert not {"server_sha256", "staging"} & set(manifest["versions"][0])


def test_publishing_an_invalid_file_changes_nothing(
    tmp_path: Path, store_path: Path, context: EmbeddedStore
) -> None:
    publish(FIXTURE, "PH", store_path)
    before, files = _all_quads(store_path), sorted(history_dir(store_path, "PH").iterdir())

    def bad_level(rows: Rows) -> None:
        rows["qualifications"][0]["level"] = "PQF-9"

    invalid = make_workbook(tmp_path / "bad.xlsx", context, bad_level)
    with pytest.raises(PublishError) as refused:
        publish(invalid, "PH", store_path)
    assert "not published, 1 violation" in str(refused.value)
    assert isinstance(refused.value.report, SheetReport)
    assert _all_quads(store_path) == before
    assert sorted(history_dir(store_path, "PH").iterdir()) == files


def test_unusable_requests_are_one_line(tmp_path: Path, store_path: Path) -> None:
    for call in (
        lambda: publish(FIXTURE, "FR", store_path),
        lambda: publish(FIXTURE, "TH", store_path),
        lambda: publish(FIXTURE, "PH", tmp_path / "nostore"),
        lambda: rollback(store_path, "PH", 7),
    ):
        with pytest.raises(PublishError) as caught:
            call()
        assert "\n" not in str(caught.value)


def _edit_workbook(
    tmp_path: Path, context: EmbeddedStore, name: str, edit: Callable[[Rows], None]
) -> Path:
    return make_workbook(tmp_path / name, context, edit)


def test_history_diff_and_rollback_over_three_versions(
    tmp_path: Path, store_path: Path, context: EmbeddedStore
) -> None:
    def second(rows: Rows) -> None:
        rows["qualifications"][0]["title_en"] = "Tiling NC I, revised (fictional)"
        rows["units"].append(
            dict(rows["units"][0], code="TEST-U-4", title_en="Cut tiles (fictional)")
        )

    def third(rows: Rows) -> None:
        second(rows)
        del rows["qualifications"][1]

    publish(FIXTURE, "PH", store_path)
    publish(_edit_workbook(tmp_path, context, "v2.xlsx", second), "PH", store_path)
    publish(_edit_workbook(tmp_path, context, "v3.xlsx", third), "PH", store_path)
    versions = history(store_path, "PH")
    assert [v.version for v in versions] == [1, 2, 3]
    assert versions[1].added == [ID + "unit/PH/TEST-U-4"]
    assert versions[1].modified == [ID + "qualification/PH/TEST-TILING-NC-I"]
    assert versions[2].removed == [ID + "qualification/PH/TEST-TILING-NC-II"]
    assert versions[0].date <= versions[2].date

    changes = diff(store_path, "PH", 1, 2)
    assert changes.added == [ID + "unit/PH/TEST-U-4"] and changes.removed == []
    [modified] = changes.modified
    assert any("revised" in line for line in modified.added)
    assert any("Tiling NC I (fictional)" in line for line in modified.removed)
    assert "+ record" in changes.as_text()

    restored = rollback(store_path, "PH", 1)
    assert restored.version == 4 and restored.note == "rollback to v1"
    assert _graph(store_path) == set(load_version(store_path, "PH", 1))
    assert restored.sha256 == versions[0].sha256
    assert diff(store_path, "PH", 3, 4).added == [ID + "qualification/PH/TEST-TILING-NC-II"]
    with pytest.raises(PublishError, match="already holds"):
        rollback(store_path, "PH", 1)


# -- SIGKILL ----------------------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import pyoxigraph as ox
    from aqkg.submissions.publish import commit_version
    marker, size = sys.argv[2], int(sys.argv[3])
    triples = [
        ox.Triple(
            ox.NamedNode(f"https://w3id.org/aqkg/id/unit/PH/SYNTH-{i}"),
            ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
            ox.Literal(f"synthetic unit {i} version {marker}", language="en"),
        )
        for i in range(size)
    ]
    print("ready", flush=True)
    commit_version(Path(sys.argv[1]), "PH", triples, f"synthetic {marker}")
    print("done", flush=True)
    """
)


def _markers(triples: set[ox.Triple]) -> set[str]:
    return {str(t.object.value).rsplit(" ", 1)[-1] for t in triples}


def _spawn(store_path: Path, marker: str, size: int) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(store_path), marker, str(size)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


def kill_at_random(
    spawn: Callable[[str], subprocess.Popen[str]],
    settle: Callable[[str, str], str],
    rounds: int,
    seed: int,
) -> list[bool]:
    """A first publish (marker "m-first") runs to the end and times a commit; then `rounds`
    publishes are SIGKILLed at a random moment within 1.2 times that duration. After each,
    `settle(old, new)` recovers, checks the store holds one of the two markers' versions, whole,
    and returns the marker held. Returns, per round, whether the new version was held."""
    rng = random.Random(seed)
    first = spawn("m-first")
    started = time.perf_counter()
    assert first.stdout is not None and first.stdout.readline().strip() == "done"
    first.wait()
    duration = time.perf_counter() - started
    state, outcomes = "m-first", []
    for round_number in range(rounds):
        marker = f"m{round_number}"
        child = spawn(marker)
        time.sleep(rng.uniform(0.0, 1.2 * duration))
        child.send_signal(signal.SIGKILL)
        child.wait()
        held = settle(state, marker)
        outcomes.append(held == marker)
        state = held
    assert not all(outcomes), "no kill landed before a commit: the test proved nothing"
    return outcomes


def test_sigkill_during_publish_leaves_old_or_new_version(store_path: Path) -> None:
    """20 publishes killed at random (kill_at_random): after each, the store must open and
    hold the old or the new version, whole, matching the history's last entry."""
    size = 6_000
    other_graphs = _all_quads(store_path)

    def settle(old: str, new: str) -> str:
        recover(store_path, "PH")
        held = _graph(store_path)
        markers = _markers(held)
        assert markers in ({old}, {new}) and len(held) == size
        versions = history(store_path, "PH")
        assert not (history_dir(store_path, "PH") / PENDING).exists()
        store = ox.Store.read_only(str(store_path))
        current_hash = graph_hash(store, "PH")
        del store
        assert versions[-1].sha256 == current_hash
        assert _markers(set(load_version(store_path, "PH", versions[-1].version))) == markers
        return markers.pop()

    outcomes = kill_at_random(lambda m: _spawn(store_path, m, size), settle, 20, 20260123)
    manifest = json.loads((history_dir(store_path, "PH") / "manifest.json").read_text())
    assert [v["version"] for v in manifest["versions"]] == list(range(1, sum(outcomes) + 2))
    assert other_graphs <= _all_quads(store_path)  # the other graphs were never touched


def test_the_store_can_be_opened_again_at_once_after_a_refused_publish(
    tmp_path: Path, store_path: Path, context: EmbeddedStore
) -> None:
    """The write lock goes when publish returns, even while the caller still holds the error
    and its traceback (a refusal, or an unexpected failure inside the store action)."""

    def bad_level(rows: Rows) -> None:
        rows["qualifications"][0]["level"] = "PQF-9"

    invalid = make_workbook(tmp_path / "bad.xlsx", context, bad_level)
    with pytest.raises(PublishError) as refused:
        publish(invalid, "PH", store_path)
    assert refused.value.report is not None and refused.value.__traceback__ is not None
    reopened = ox.Store(str(store_path))  # would raise OSError (lock held) otherwise
    del reopened

    not_a_triple: list[ox.Triple] = [None]  # type: ignore[list-item]
    with pytest.raises(AttributeError) as crashed:
        commit_version(store_path, "PH", not_a_triple, "broken")
    assert crashed.value.__traceback__ is not None
    reopened = ox.Store(str(store_path))
    del reopened
