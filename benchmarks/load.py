"""Load run of `aqkg serve`: concurrent clients, a fixed number of requests, loopback only.

    .venv/bin/python benchmarks/load.py [--clients 20] [--requests 25] [--timeout 2] [--out FILE]

Starts the endpoint (aqkg.web.server.make_server, default worker count) on 127.0.0.1 over a store
built from the project's files, then `clients` threads each send `requests` requests, cycling
through a mix of named queries (REST API, JSON), SPARQL SELECTs (GET and POST; JSON, CSV) and
the OpenAPI description. Mid-run one more client sends a query that cannot finish (a four-way
cross join of every triple): it must be stopped at the time limit (503) while the others keep
being answered, and its worker replaced. Reports latency percentiles, throughput, errors and the
resident memory of the server and its workers before and after. `benchmarks/run.py --section
serve` runs it for benchmarks/RESULTS.md.
tests/test_load.py runs the same function, smaller, with bounds.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from aqkg.intake.project_files import load_project_files  # noqa: E402
from aqkg.store.embedded import replace_store_directory  # noqa: E402
from aqkg.web.server import QueryServer, make_server  # noqa: E402

SKOS = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
SPARQL_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
SPARQL_LABELS = SKOS + "SELECT ?s ?label WHERE { ?s skos:prefLabel ?label } ORDER BY ?s LIMIT 100"
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@dataclass(frozen=True)
class Request:
    name: str
    method: str
    path: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()


def _get_sparql(query: str, fmt: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query, "format": fmt})


MIX = (
    Request("api frameworks", "GET", "/api/frameworks"),
    Request("api referencing-status PH", "GET", "/api/referencing-status?country=PH"),
    Request("api mrs-corridors", "GET", "/api/mrs-corridors"),
    Request("api mras TH", "GET", "/api/mras?country=TH"),
    Request("api levels PH/TH", "GET", "/api/levels-side-by-side?country_a=PH&country_b=TH"),
    Request("api qualifications level 4", "GET", "/api/qualifications-at-aqrf-level?level=4"),
    Request("api member states", "GET", "/api/explore-member-states"),
    Request(
        "sparql POST graphs (json)",
        "POST",
        "/sparql",
        SPARQL_GRAPHS.encode(),
        (("Content-Type", "application/sparql-query"),),
    ),
    Request("sparql GET labels (csv)", "GET", _get_sparql(SPARQL_LABELS, "csv")),
    Request("openapi.json", "GET", "/openapi.json"),
)


@dataclass
class LoadReport:
    clients: int
    requests_per_client: int
    workers: int
    timeout_seconds: float
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    slow_status: int = 0
    slow_seconds: float = 0.0
    answered_while_slow: int = 0
    workers_after: int = 0
    rss_before: int = 0
    rss_after: int = 0
    rss_peak_worker: int = 0

    @property
    def requests(self) -> int:
        return len(self.latencies) + len(self.errors)

    def percentile(self, p: int) -> float:
        ordered = sorted(self.latencies)
        return statistics.quantiles(ordered, n=100, method="inclusive")[p - 1]

    def summary(self) -> str:
        return (
            f"{self.requests} requests from {self.clients} clients in {self.seconds:.1f} s "
            f"({self.requests / self.seconds:.0f}/s), {len(self.errors)} errors; "
            f"p50 {self.percentile(50) * 1000:.0f} ms, p95 {self.percentile(95) * 1000:.0f} ms, "
            f"max {max(self.latencies) * 1000:.0f} ms; slow query {self.slow_status} after "
            f"{self.slow_seconds:.1f} s ({self.answered_while_slow} answered meanwhile); "
            f"RSS {self.rss_before >> 20} -> {self.rss_after >> 20} MB"
        )


def build_store(target: Path) -> Path:
    """The project's ontology and data in an on-disk store (what `aqkg build` writes, without
    reasoning: the load is on the endpoint, not on the data)."""
    replace_store_directory(target, load_project_files())
    return target


@contextmanager
def running_server(store: Path, timeout_seconds: float) -> Iterator[QueryServer]:
    server = make_server(store, port=0, timeout_seconds=timeout_seconds, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def run_load(
    store: Path, *, clients: int = 20, requests_per_client: int = 25, timeout_seconds: float = 2.0
) -> LoadReport:
    with running_server(store, timeout_seconds) as server:
        address = ("127.0.0.1", server.server_address[1])
        report = LoadReport(clients, requests_per_client, server.settings.workers, timeout_seconds)
        for request in MIX:  # warm up: each query once, outside the figures
            _send(address, request)
        report.rss_before = _rss_total()
        lock = threading.Lock()
        slow_running = threading.Event()

        def client(number: int) -> None:
            connection = http.client.HTTPConnection(*address, timeout=60)
            for index in range(requests_per_client):
                request = MIX[(number + index) % len(MIX)]
                started = time.perf_counter()
                try:
                    status = _send_on(connection, request)
                except (OSError, http.client.HTTPException) as error:
                    connection.close()
                    connection = http.client.HTTPConnection(*address, timeout=60)
                    status, detail = 0, f"{type(error).__name__}: {error}"
                elapsed = time.perf_counter() - started
                with lock:
                    if status == 200:
                        report.latencies.append(elapsed)
                        report.answered_while_slow += slow_running.is_set()
                    else:
                        report.errors.append(f"{request.name}: {status or detail}")
            connection.close()

        def slow() -> None:
            slow_running.set()
            started = time.perf_counter()
            body = SLOW_QUERY.encode()
            headers = (("Content-Type", "application/sparql-query"),)
            report.slow_status = _send(address, Request("slow", "POST", "/sparql", body, headers))
            report.slow_seconds = time.perf_counter() - started
            slow_running.clear()

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        slow_thread = threading.Thread(target=slow)
        slow_thread.start()
        for thread in [*threads, slow_thread]:
            thread.join()
        report.seconds = time.perf_counter() - started
        deadline = time.monotonic() + 30
        while server.pool.idle_workers() < report.workers and time.monotonic() < deadline:
            time.sleep(0.05)
        report.workers_after = server.pool.idle_workers()
        report.rss_after = _rss_total()
        report.rss_peak_worker = max(_rss(p.pid) for p in multiprocessing.active_children())
    return report


def _send(address: tuple[str, int], request: Request) -> int:
    connection = http.client.HTTPConnection(*address, timeout=60)
    try:
        return _send_on(connection, request)
    finally:
        connection.close()


def _send_on(connection: http.client.HTTPConnection, request: Request) -> int:
    connection.request(request.method, request.path, request.body, dict(request.headers))
    response = connection.getresponse()
    response.read()
    return response.status


def _rss(pid: int | str) -> int:
    """Resident memory of a process, in bytes (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # the process ended meanwhile
        return 0
    return 0


def _rss_total() -> int:
    """This process (the HTTP server) and its query workers."""
    return _rss("self") + sum(_rss(p.pid) for p in multiprocessing.active_children())


def rows(report: LoadReport) -> list[tuple[str, str]]:
    """The figures of a run, as (measure, value) pairs."""
    ms = 1000
    return [
        ("clients x requests", f"{report.clients} x {report.requests_per_client}"),
        ("query workers (default: cores, 2 to 8)", str(report.workers)),
        ("wall time", f"{report.seconds:.1f} s ({report.requests / report.seconds:.0f} req/s)"),
        ("errors", str(len(report.errors))),
        ("latency p50", f"{report.percentile(50) * ms:.0f} ms"),
        ("latency p95", f"{report.percentile(95) * ms:.0f} ms"),
        ("latency max", f"{max(report.latencies) * ms:.0f} ms"),
        (
            f"slow query (time limit {report.timeout_seconds:g} s)",
            f"HTTP {report.slow_status} after {report.slow_seconds:.1f} s; "
            f"{report.answered_while_slow} other requests answered meanwhile",
        ),
        ("workers idle after the run", f"{report.workers_after} of {report.workers}"),
        (
            "resident memory, server + workers",
            f"{report.rss_before >> 20} MB before, {report.rss_after >> 20} MB after; "
            f"largest worker {report.rss_peak_worker >> 20} MB",
        ),
    ]


def markdown(report: LoadReport) -> str:
    mix = ", ".join(request.name for request in MIX)
    lines = [
        "# aqkg serve under load",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; store: the project's ontology and data; loopback only.",
        f"Request mix, in turn per client: {mix}.",
        "",
        "| measure | value |",
        "|---|---|",
        *[f"| {name} | {value} |" for name, value in rows(report)],
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=25, help="requests per client")
    parser.add_argument("--timeout", type=float, default=2.0, help="query time limit, seconds")
    parser.add_argument("--out", type=Path, help="also write the figures as Markdown here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aqkg-load-") as folder:
        store = build_store(Path(folder) / "store")
        report = run_load(
            store,
            clients=args.clients,
            requests_per_client=args.requests,
            timeout_seconds=args.timeout,
        )
    print(report.summary())
    for error in report.errors[:10]:
        print("  error:", error)
    if args.out:
        args.out.write_text(markdown(report), encoding="utf-8")
        print(f"written to {args.out}")
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
