"""The endpoint backend when Virtuoso dies mid-run (issue 8): `aqkg build --endpoint` is cut
off by a SIGKILL of the server while it writes; the command stops within bounded retries with a
one-line error, a query while the server is down is a one-line error too, and after a restart
on the same database readers see the old graphs, whole (never part of the new ones); a rerun
then completes and removes the staging graphs the killed run left.

This test runs its own Virtuoso (the session one must not be killed)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from virtuoso_fixture import running_virtuoso

from aqkg.build.pipeline import BUILT_GRAPH_PREFIXES, build
from aqkg.paths import GRAPH_BASE
from aqkg.store.embedded import StoreError
from aqkg.store.endpoint import STAGING_BASE, EndpointStore
from aqkg.store.virtuoso import LocalVirtuoso

OLD = ox.Triple(
    ox.NamedNode("urn:aqkg-test:old"), ox.NamedNode("urn:aqkg-test:p"), ox.Literal("old")
)
OBSOLETE = GRAPH_BASE + "data/countries/zz/obsolete"  # a built graph the new build no longer has
# Small chunks make the build's write phase hundreds of requests long, so the kill lands in it.
SLOW_CHUNKS = "20"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalVirtuoso]:
    with running_virtuoso(tmp_path / "virtuoso", buffers_mb=128) as virtuoso:
        yield virtuoso


def _env(server: LocalVirtuoso, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "AQKG_ENDPOINT_USER": server.user,
        "AQKG_ENDPOINT_PASSWORD": server.password,
        **extra,
    }


def _aqkg(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "aqkg.cli.main", *args]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _contents(store: EndpointStore) -> dict[str, set[str]]:
    return {
        graph: {str(q.triple) for q in store.quads(graph)}
        for graph in store.graph_names()
        if graph.startswith(BUILT_GRAPH_PREFIXES)
    }


def _await_staging(store: EndpointStore, build: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and build.poll() is None:
        if store.staging_graphs():
            return
        time.sleep(0.02)
    pytest.fail("the build never started writing to the endpoint")


def _one_line_error(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aqkg: error: "), stderr
    return lines[0]


def test_a_crash_mid_build_leaves_the_old_graphs_whole_and_a_rerun_completes(
    server: LocalVirtuoso,
) -> None:
    _, built = build(None)
    new_graphs = [g for g in built.graph_names() if g.startswith(BUILT_GRAPH_PREFIXES)]
    writer = EndpointStore(server.sparql_url, user=server.user, password=server.password)
    writer.replace_graphs({graph: [OLD] for graph in [*new_graphs, OBSOLETE]})
    reader = EndpointStore(server.sparql_url)
    old = _contents(reader)
    assert set(old) == {*new_graphs, OBSOLETE}

    cut_off = _aqkg(
        "build",
        "--endpoint",
        server.sparql_url,
        env=_env(server, AQKG_ENDPOINT_CHUNK_TRIPLES=SLOW_CHUNKS),
    )
    _await_staging(reader, cut_off)
    server.kill()
    killed_at = time.monotonic()
    _, stderr = cut_off.communicate(timeout=60)
    assert cut_off.returncode == 2
    assert time.monotonic() - killed_at < 20  # bounded retries, not a hang
    message = _one_line_error(stderr)
    assert "failed after 4 attempts" in message and server.sparql_url.rsplit("/", 1)[0] in message
    assert "no graph was changed" in message

    query = _aqkg("query", "referencing-status", "--endpoint", server.sparql_url, env=_env(server))
    _, stderr = query.communicate(timeout=60)
    assert query.returncode == 2
    assert server.sparql_url in _one_line_error(stderr)

    server.start()
    assert _contents(reader) == old  # the old graphs, each whole: none half-written
    assert not any(g.startswith(STAGING_BASE) for g in reader.graph_names())

    rerun = _aqkg("build", "--endpoint", server.sparql_url, env=_env(server))
    stdout, stderr = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, stderr
    assert f"written to {server.sparql_url}" in stdout
    # Counts, not text: Virtuoso writes some literals differently (language tags, numbers).
    assert reader.triple_counts() == {
        g: n for g, n in built.triple_counts().items() if g in new_graphs
    }
    assert reader.staging_graphs() == []  # the killed run's leftovers are gone


def test_writes_to_a_server_that_is_down_give_up_within_bounded_time() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket is closed
    store = EndpointStore(
        f"http://127.0.0.1:{port}/sparql",
        user="someone",
        password="secret",
        write_attempts=3,
        write_backoff=0.1,
    )
    started = time.monotonic()
    with pytest.raises(StoreError) as caught:
        store.replace_graph(GRAPH_BASE + "data/x", [OLD])
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert "failed after 3 attempts" in message and f"127.0.0.1:{port}" in message
    assert "\n" not in message


def test_a_chunk_size_that_is_not_a_number_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AQKG_ENDPOINT_CHUNK_TRIPLES", "lots")
    with pytest.raises(StoreError, match="AQKG_ENDPOINT_CHUNK_TRIPLES='lots'"):
        EndpointStore.from_environment("http://127.0.0.1:1/sparql")
