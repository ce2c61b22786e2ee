"""`aqkg serve` against `oxigraph serve-read-only` on the same store and query mix, in one run.

    .venv/bin/python benchmarks/versus_oxigraph.py [--clients 8] [--requests 40] [--quick]

Both servers read the same on-disk store (benchmarks/load.py's: the project's ontology and
data), each on a loopback port, one after the other (aqkg first, then oxigraph, then aqkg and
oxigraph again, so that a burst of load from other jobs on the machine falls on both). The
mix is the SPARQL both answer: every named query without required parameters, posted as
`application/sparql-query` to /sparql, and two plain SELECTs (graphs and labels) sent by GET,
JSON results. oxigraph runs with `--union-default-graph` (aqkg's default graph is the union)
and its own time limit set to aqkg's. `clients` threads each send `requests` requests on a
kept-alive connection; reported are requests per second and p50 / p95 latency. aqkg serve
runs with fair use off (every client here is 127.0.0.1) and its default worker count.

`benchmarks/run.py --section versus-oxigraph` runs it for benchmarks/RESULTS.md; `--quick`
is 8 x 15 requests per server and round (about a minute).
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

import load  # noqa: E402

from aqkg.sparql.catalogue import catalogue  # noqa: E402
from aqkg.web.server import make_server  # noqa: E402

TIMEOUT_SECONDS = 10.0


@dataclass
class Figures:
    server: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: int) -> float:
        return statistics.quantiles(sorted(self.latencies), n=100, method="inclusive")[p - 1]

    def add(self, other: Figures) -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        self.seconds += other.seconds


def query_mix() -> list[tuple[str, str, bytes | None, dict[str, str]]]:
    """(method, path, body, headers) of each request, the same for both servers."""
    accept = {"Accept": "application/sparql-results+json"}
    mix: list[tuple[str, str, bytes | None, dict[str, str]]] = []
    for query in catalogue().values():
        if any(p.required for p in query.params) or query.name.startswith("explore-"):
            continue
        headers = {**accept, "Content-Type": "application/sparql-query"}
        mix.append(("POST", "/sparql", query.text.encode("utf-8"), headers))
    for text in (load.SPARQL_GRAPHS, load.SPARQL_LABELS):
        path = "/sparql?" + urllib.parse.urlencode({"query": text})
        mix.append(("GET", path, None, accept))
    return mix


def hammer(server: str, port: int, clients: int, requests: int) -> Figures:
    figures = Figures(server)
    mix = query_mix()
    lock = threading.Lock()
    for method, path, body, headers in mix:  # warm up, outside the figures
        _send(
            http.client.HTTPConnection("127.0.0.1", port, timeout=60), method, path, body, headers
        )

    def client(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for index in range(requests):
            method, path, body, headers = mix[(number + index) % len(mix)]
            started = time.perf_counter()
            status = _send(connection, method, path, body, headers)
            elapsed = time.perf_counter() - started
            with lock:
                if status == 200:
                    figures.latencies.append(elapsed)
                else:
                    figures.errors.append(f"{path[:40]}: {status}")
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    figures.seconds = time.perf_counter() - started
    return figures


def _send(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    body: bytes | None,
    headers: dict[str, str],
) -> int:
    try:
        connection.request(method, path, body, headers)
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        connection.close()
        return 0


def aqkg_round(store: Path, clients: int, requests: int) -> Figures:
    server = make_server(store, port=0, timeout_seconds=TIMEOUT_SECONDS, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        return hammer("aqkg serve", server.server_address[1], clients, requests)
    finally:
        server.shutdown()
        server.server_close()


def oxigraph_round(store: Path, clients: int, requests: int) -> Figures:
    binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which(
        "oxigraph"
    )
    if binary is None:
        raise SystemExit("oxigraph not found: pip install -e '.[bench]' (the oxigraph package)")
    port = _free_port()
    command = [
        binary,
        "serve-read-only",
        "--location",
        str(store),
        "--bind",
        f"127.0.0.1:{port}",
        "--union-default-graph",
        "--timeout-s",
        str(int(TIMEOUT_SECONDS)),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        return hammer("oxigraph serve-read-only", port, clients, requests)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("oxigraph serve-read-only did not start within 30 s")


def compare(store: Path, clients: int, requests: int, rounds: int = 2) -> list[Figures]:
    aqkg, oxigraph = Figures("aqkg serve"), Figures("oxigraph serve-read-only")
    for _ in range(rounds):
        aqkg.add(aqkg_round(store, clients, requests))
        oxigraph.add(oxigraph_round(store, clients, requests))
    return [aqkg, oxigraph]


def markdown(results: list[Figures], clients: int, requests: int, rounds: int) -> str:
    aqkg, oxigraph = results
    lines = [
        f"{clients} clients x {requests} requests, {rounds} rounds per server, "
        f"{len(query_mix())} SPARQL queries in the mix.",
        "",
        "| server | requests | errors | req/s | p50 ms | p95 ms |",
        "|---|---|---|---|---|---|",
    ]
    for figures in results:
        lines.append(
            f"| {figures.server} | {len(figures.latencies)} | {len(figures.errors)} | "
            f"{figures.throughput:.0f} | {figures.percentile(50) * 1000:.0f} | "
            f"{figures.percentile(95) * 1000:.0f} |"
        )
    lines += ["", f"aqkg / oxigraph throughput: {aqkg.throughput / oxigraph.throughput:.2f}x", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=40, help="per client and round")
    parser.add_argument("--quick", action="store_true", help="8 x 15 requests per round")
    parser.add_argument("--out", type=Path, help="also write the table as Markdown here")
    args = parser.parse_args()
    requests = 15 if args.quick else args.requests
    with tempfile.TemporaryDirectory(prefix="aqkg-vs-oxigraph-") as folder:
        store = load.build_store(Path(folder) / "store")
        results = compare(store, args.clients, requests)
    text = markdown(results, args.clients, requests, 2)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
