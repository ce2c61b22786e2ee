"""`aqkg serve` under load, bounded in requests and time, on loopback: the run of
benchmarks/load.py (whose full figures are in benchmarks/RESULTS.md), smaller, with bounds.

20 concurrent clients send 10 requests each (named queries, SPARQL GET and POST, the OpenAPI
description) while one more sends a query that cannot finish: zero errors, p95 under a generous
bound, resident memory bounded, and the slow query stopped at the time limit while the others
keep being answered, its worker replaced.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "load.py"
CLIENTS, REQUESTS_PER_CLIENT, TIMEOUT_SECONDS = 20, 10, 2.0


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("aqkg_load_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Any:
    load = _benchmark()
    store = load.build_store(tmp_path_factory.mktemp("load") / "store")
    return load.run_load(
        store,
        clients=CLIENTS,
        requests_per_client=REQUESTS_PER_CLIENT,
        timeout_seconds=TIMEOUT_SECONDS,
    )


def test_every_request_is_answered(report: Any) -> None:
    assert report.errors == []
    assert report.requests == CLIENTS * REQUESTS_PER_CLIENT
    assert report.seconds < 60


def test_latency_stays_bounded(report: Any) -> None:
    print(report.summary())
    assert report.percentile(95) < 5.0


def test_the_slow_query_is_stopped_without_starving_the_others(report: Any) -> None:
    assert report.slow_status == 503
    # the time limit, after waiting for a free worker behind at most one request per client
    assert report.slow_seconds < TIMEOUT_SECONDS + 5
    assert report.answered_while_slow > 0
    assert report.workers_after == report.workers


def test_memory_stays_bounded(report: Any) -> None:
    assert report.rss_after - report.rss_before < 200 << 20
    assert report.rss_peak_worker < 1 << 30
