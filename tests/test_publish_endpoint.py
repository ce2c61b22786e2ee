"""`aqkg publish | history | diff | rollback --endpoint URL` against a real Virtuoso: the same
validation gate, history and rollback as on the embedded store, a refused submission that
leaves the server untouched, and crashes (the publisher killed at random moments, the server
killed mid-publish, an intent left before the swap) that leave the graph old or new and the
local history consistent. Submissions are the FICTIONAL PH fixture
(tests/fixtures/spreadsheets/ph-fictional) and synthetic triples; the fictional XA/XB of
data/examples cannot be published, as publish takes ASEAN member state codes only.

The module runs its own Virtuoso: it kills it, and publishes graphs the session server's
backend comparisons must not see."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from test_ingest import FIXTURE, Rows, make_workbook
from test_publish import kill_at_random
from test_virtuoso_faults import _aqkg, _await_staging, _env, _one_line_error
from virtuoso_fixture import running_virtuoso

from aqkg.build.pipeline import build
from aqkg.intake.ingest import ingest
from aqkg.intake.project_files import load_project_files
from aqkg.paths import BUILT_GRAPH_PREFIXES
from aqkg.store.backend import replace_graphs
from aqkg.store.embedded import EmbeddedStore
from aqkg.store.endpoint import EndpointStore
from aqkg.store.virtuoso import LocalVirtuoso
from aqkg.submissions.publish import PENDING, PublishError, Version, content_hash, published_graph
from aqkg.submissions.publish_endpoint import (
    EndpointTarget,
    Remote,
    commit_version,
    default_history,
    history,
    load_version,
    publish,
    recover,
    rollback,
)
from aqkg.submissions.sheet_report import SheetReport

ID = "https://w3id.org/aqkg/id/"
LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
WEIGHT = ox.NamedNode("urn:aqkg-test:weight")
FLOAT = ox.NamedNode("http://www.w3.org/2001/XMLSchema#float")
TESTS = Path(__file__).parent


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalVirtuoso]:
    """A Virtuoso holding the shipped data's built graphs (the validation context)."""
    with running_virtuoso(tmp_path_factory.mktemp("virtuoso-publish"), 128) as virtuoso:
        _, built = build(None)
        writer = EndpointStore(virtuoso.sparql_url, user=virtuoso.user, password=virtuoso.password)
        replace_graphs(writer, built, BUILT_GRAPH_PREFIXES)
        yield virtuoso


@pytest.fixture(scope="module")
def context() -> EmbeddedStore:
    return load_project_files()


@pytest.fixture
def remote(server: LocalVirtuoso, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Remote:
    """The server with no published graph, write credentials in the environment, and an
    empty history folder."""
    monkeypatch.setenv("AQKG_ENDPOINT_USER", server.user)
    monkeypatch.setenv("AQKG_ENDPOINT_PASSWORD", server.password)
    writer = EndpointStore.from_environment(server.sparql_url)
    for country in ("PH", "TH"):
        writer.drop_graph(published_graph(country))
    return Remote(server.sparql_url, tmp_path / "history")


def _reader(remote: Remote) -> EndpointStore:
    return EndpointStore(remote.url)  # no credentials: what any reader sees


def _graph(remote: Remote, country: str) -> set[ox.Triple]:
    return {quad.triple for quad in _reader(remote).quads(published_graph(country))}


def _folder(remote: Remote, country: str) -> Path:
    return remote.history / country.lower()


def _files(remote: Remote, country: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(_folder(remote, country).iterdir())}


def synthetic(marker: str, size: int) -> list[ox.Triple]:
    """`size` records, each with a label naming `marker` and an xsd:float weight, which
    Virtuoso gives back rewritten ("3" -> "3.0"): a hash of what it returns differs from the
    hash of what was sent."""
    triples = []
    for i in range(size):
        record = ox.NamedNode(f"{ID}unit/TH/SYNTH-{i}")
        label = ox.Literal(f"synthetic unit {i} version {marker}", language="en")
        triples += [
            ox.Triple(record, LABEL, label),
            ox.Triple(record, WEIGHT, ox.Literal(str(i), datatype=FLOAT)),
        ]
    return triples


def _markers(triples: set[ox.Triple]) -> set[str]:
    return {str(t.object.value).rsplit(" ", 1)[-1] for t in triples if t.predicate == LABEL}


def _cli(remote: Remote, *args: str) -> subprocess.CompletedProcess[str]:
    where = ["--endpoint", remote.url, "--history", str(remote.history)]
    return subprocess.run(
        [sys.executable, "-m", "aqkg.cli.main", *args, *where],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _assert_consistent(remote: Remote, country: str) -> list[Version]:
    """No intent left, and the history's last version is what the server holds."""
    versions = history(remote, country)
    assert not (_folder(remote, country) / PENDING).exists()
    held = _graph(remote, country)
    assert versions[-1].server_sha256 == content_hash(held)
    assert len(held) == versions[-1].triples
    return versions


def test_publish_history_diff_and_rollback_on_the_endpoint(
    tmp_path: Path, remote: Remote, context: EmbeddedStore
) -> None:
    reader = _reader(remote)
    built = {g: n for g, n in reader.triple_counts().items() if g.startswith(BUILT_GRAPH_PREFIXES)}
    ingested = ingest(FIXTURE)
    first = publish(FIXTURE, "PH", remote)
    assert first.version == 1 and first.records == ingested.records == 9
    assert _graph(remote, "PH") == set(load_version(remote, "PH", 1))
    assert first.server_sha256 and first.staging is None

    def second(rows: Rows) -> None:
        rows["qualifications"][0]["title_en"] = "Tiling NC I, revised (fictional)"
        rows["units"].append(
            dict(rows["units"][0], code="TEST-U-4", title_en="Cut tiles (fictional)")
        )

    published = _cli(
        remote,
        "publish",
        str(make_workbook(tmp_path / "v2.xlsx", context, second)),
        "--country",
        "PH",
    )
    assert published.returncode == 0, published.stderr
    read, announced = published.stdout.splitlines()
    assert read.startswith("read v2.xlsx: mappings 1 row(s)")  # announced before committing
    assert announced.startswith("published PH v2")
    listed = _cli(remote, "history", "PH")
    assert [line.split()[0] for line in listed.stdout.splitlines()] == ["v1", "v2"]
    changes = _cli(remote, "diff", "PH", "1", "2").stdout
    assert f"+ record {ID}unit/PH/TEST-U-4" in changes and "revised" in changes

    restored = rollback(remote, "PH", 1)
    assert restored.version == 3 and restored.note == "rollback to v1"
    assert restored.server_sha256 == first.server_sha256
    assert _graph(remote, "PH") == set(load_version(remote, "PH", 1))
    with pytest.raises(PublishError, match="already holds"):
        rollback(remote, "PH", 1)
    versions = _assert_consistent(remote, "PH")
    assert [v.version for v in versions] == [1, 2, 3]
    assert versions[1].added == [ID + "unit/PH/TEST-U-4"]
    # the embedded route's manifest, plus the server's hash of each version
    manifest = json.loads((_folder(remote, "PH") / "manifest.json").read_text())
    assert set(manifest["versions"][0]) == {*Version.__dataclass_fields__} - {"staging"}
    assert reader.triple_counts() == {**built, published_graph("PH"): first.triples}


def test_a_refused_or_unusable_publish_leaves_the_endpoint_untouched(
    tmp_path: Path, remote: Remote, context: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(FIXTURE, "PH", remote)
    before, files = _graph(remote, "PH"), _files(remote, "PH")

    def bad_level(rows: Rows) -> None:
        rows["qualifications"][0]["level"] = "PQF-9"

    with pytest.raises(PublishError) as refused:
        publish(make_workbook(tmp_path / "bad.xlsx", context, bad_level), "PH", remote)
    assert "not published, 1 violation" in str(refused.value)
    assert isinstance(refused.value.report, SheetReport)

    elsewhere = Remote(remote.url, tmp_path / "another-history")
    for call, problem in (
        # another machine's history must not overwrite what this one published
        (lambda: publish(FIXTURE, "PH", elsewhere), "does not hold what"),
        (lambda: rollback(remote, "PH", 7), "PH has no version 7"),
        (lambda: publish(FIXTURE, "FR", remote), "not an ASEAN member state"),
    ):
        with pytest.raises(PublishError, match=problem) as caught:
            call()
        assert "\n" not in str(caught.value)
    monkeypatch.delenv("AQKG_ENDPOINT_PASSWORD")
    with pytest.raises(PublishError, match="AQKG_ENDPOINT_PASSWORD"):
        publish(FIXTURE, "PH", remote)
    assert _graph(remote, "PH") == before and _files(remote, "PH") == files
    assert _reader(remote).staging_graphs() == []

    alone = subprocess.run(
        [sys.executable, "-m", "aqkg.cli.main", "history", "PH", "--history", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert alone.returncode == 2 and "--history goes with --endpoint" in alone.stderr
    assert default_history("http://user@example.org:8890/sparql").name == (
        "example.org-8890-sparql"
    )


class _KilledAfterIntent(EndpointTarget):
    """The run dies between its pending intent and the swap (as SIGKILL would)."""

    def replace(
        self, graph: str, triples: list[ox.Triple], entry: Version, intend: Callable[[], None]
    ) -> None:
        def then_die() -> None:
            intend()
            raise SystemExit("killed")

        super().replace(graph, triples, entry, then_die)


class _KilledAfterSwap(EndpointTarget):
    """The run dies after the swap, before the manifest."""

    def replace(
        self, graph: str, triples: list[ox.Triple], entry: Version, intend: Callable[[], None]
    ) -> None:
        super().replace(graph, triples, entry, intend)
        raise SystemExit("killed")


def test_recovery_settles_each_crash_point_by_the_servers_own_hash(remote: Remote) -> None:
    from aqkg.submissions.publish import commit

    commit_version(remote, "TH", synthetic("a", 50), "first")
    endpoint = EndpointStore.from_environment(remote.url)
    folder = _folder(remote, "TH")

    # after the swap: the graph is new, recovery completes the manifest
    with pytest.raises(SystemExit):
        commit(_KilledAfterSwap(endpoint, folder), "TH", synthetic("b", 50), "second")
    assert (folder / PENDING).exists() and _markers(_graph(remote, "TH")) == {"b"}
    versions = _assert_consistent(remote, "TH")
    assert [v.note for v in versions] == ["first", "second"]
    # Virtuoso rewrote the floats: only the server's hash can recognise the new version
    assert versions[-1].server_sha256 != versions[-1].sha256

    # before the swap, staging dropped (the failing run's cleanup, or a later build): old stays
    with pytest.raises(SystemExit):
        commit(_KilledAfterIntent(endpoint, folder), "TH", synthetic("c", 50), "third")
    assert (folder / PENDING).exists() and _markers(_graph(remote, "TH")) == {"b"}
    assert [v.note for v in _assert_consistent(remote, "TH")] == ["first", "second"]
    assert not (folder / "v3.nq").exists()

    # before the swap, staging still whole (a SIGKILL skips the cleanup): recovery rolls forward
    with pytest.raises(SystemExit):
        commit(_KilledAfterIntent(endpoint, folder), "TH", synthetic("d", 50), "fourth")
    pending = Version(**json.loads((folder / PENDING).read_text()))
    assert pending.staging is not None
    endpoint.add_triples(pending.staging, synthetic("d", 50))  # what the kill would have left
    recover(remote, "TH")
    assert _markers(_graph(remote, "TH")) == {"d"}
    assert [v.note for v in _assert_consistent(remote, "TH")] == ["first", "second", "fourth"]
    assert _reader(remote).staging_graphs() == []


CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from aqkg.submissions.publish_endpoint import Remote, commit_version
    from test_publish_endpoint import synthetic
    url, history, marker, size = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    triples = synthetic(marker, size)
    print("ready", flush=True)
    commit_version(Remote(url, history), "TH", triples, marker)
    print("done", flush=True)
    """
)


def _spawn(remote: Remote, marker: str, size: int) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, remote.url, str(remote.history), marker, str(size)],
        env={**os.environ, "PYTHONPATH": str(TESTS), "AQKG_ENDPOINT_CHUNK_TRIPLES": "400"},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


def test_sigkill_of_the_publisher_leaves_old_or_new_and_a_consistent_history(
    remote: Remote,
) -> None:
    """Publishes killed at random (kill_at_random): after each, recovery leaves the server
    holding the old or the new version, whole, and the history's last entry is what it holds."""
    size = 500

    def settle(old: str, new: str) -> str:
        recover(remote, "TH")
        markers = _markers(_graph(remote, "TH"))
        assert markers in ({old}, {new})
        versions = _assert_consistent(remote, "TH")
        assert _markers(set(load_version(remote, "TH", versions[-1].version))) == markers
        return markers.pop()

    outcomes = kill_at_random(lambda m: _spawn(remote, m, size), settle, 5, 20260214)
    assert [v.version for v in history(remote, "TH")] == list(range(1, sum(outcomes) + 2))


def test_a_server_killed_mid_publish_keeps_the_old_version_and_the_next_publish_completes(
    tmp_path: Path, remote: Remote, server: LocalVirtuoso
) -> None:
    commit_version(remote, "TH", synthetic("old", 100), "old")
    submission = tmp_path / "th.nt"
    submission.write_bytes(
        ox.serialize(synthetic("new", 1_000), format=ox.RdfFormat.N_TRIPLES) or b""
    )
    args = ("publish", str(submission), "--country", "TH", "--endpoint", remote.url)
    where = ("--history", str(remote.history))
    cut_off = _aqkg(*args, *where, env=_env(server, AQKG_ENDPOINT_CHUNK_TRIPLES="20"))
    _await_staging(_reader(remote), cut_off)
    server.kill()
    _, stderr = cut_off.communicate(timeout=60)
    assert cut_off.returncode == 2
    assert "no graph was changed" in _one_line_error(stderr)

    server.start()
    assert _markers(_graph(remote, "TH")) == {"old"} and len(_graph(remote, "TH")) == 200
    assert [v.note for v in _assert_consistent(remote, "TH")] == ["old"]
    rerun = _aqkg(*args, *where, env=_env(server))
    _, stderr = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, stderr
    assert _markers(_graph(remote, "TH")) == {"new"}
    assert [v.version for v in _assert_consistent(remote, "TH")] == [1, 2]
    assert _reader(remote).staging_graphs() == []  # the killed run's leftovers are gone
