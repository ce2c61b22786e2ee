"""A Virtuoso for the endpoint tests: started once per session on loopback, stopped after.

Missing Virtuoso is a failure, not a skip: CI must run these tests (scripts/setup.sh installs
the Debian package virtuoso-opensource-7-bin).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from aqkg.build.pipeline import BUILT_GRAPH_PREFIXES, build
from aqkg.store.backend import replace_graphs
from aqkg.store.embedded import EmbeddedStore
from aqkg.store.endpoint import EndpointStore
from aqkg.store.virtuoso import LocalVirtuoso, VirtuosoMissing


@contextmanager
def running_virtuoso(folder: Path, buffers_mb: int) -> Iterator[LocalVirtuoso]:
    """A Virtuoso started in `folder` and stopped afterwards; a missing one fails the test."""
    server = LocalVirtuoso(folder, buffers_mb=buffers_mb)
    try:
        server.start()
    except VirtuosoMissing as error:
        pytest.fail(f"these tests need Virtuoso: {error}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalVirtuoso]:
    with running_virtuoso(tmp_path_factory.mktemp("virtuoso"), buffers_mb=256) as server:
        yield server


@pytest.fixture(scope="session")
def both_stores(virtuoso: LocalVirtuoso) -> tuple[EmbeddedStore, EndpointStore]:
    """The shipped data, built once, in the embedded store and loaded into Virtuoso."""
    summary, embedded = build(None)
    assert summary.report.conforms
    endpoint = EndpointStore(virtuoso.sparql_url, user=virtuoso.user, password=virtuoso.password)
    replace_graphs(endpoint, embedded, BUILT_GRAPH_PREFIXES)
    return embedded, endpoint
