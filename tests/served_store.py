"""`aqkg serve` over the store built from the shipped data, started once per session on
loopback as a researcher would run it: for the Protocol, client and dataset tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from aqkg.build.pipeline import build
from aqkg.web.server import QueryServer, make_server


@contextmanager
def serving(store_path: Path, endpoint: str | None = None) -> Iterator[QueryServer]:
    """A running `aqkg serve` (of the store, or of the SPARQL `endpoint`), stopped afterwards."""
    server = make_server(
        store_path, port=0, timeout_seconds=30.0, workers=2, quiet=True, endpoint=endpoint
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def start_server() -> Callable[..., AbstractContextManager[QueryServer]]:
    """`serving`, for tests that start a server of their own (importing it would import this
    plugin before pytest does)."""
    return serving


@pytest.fixture(scope="session")
def shipped_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shipped") / "store"
    summary, _ = build(path)
    assert summary.written, "the shipped data must build"
    return path


@pytest.fixture(scope="session")
def shipped_server(shipped_store: Path) -> Iterator[QueryServer]:
    with serving(shipped_store) as server:
        yield server
