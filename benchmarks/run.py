"""aqkg benchmarks: `.venv/bin/python benchmarks/run.py [--quick]` -> benchmarks/RESULTS.md.

Every figure is set beside a baseline measured in the same run, on the same machine and data:
validation against rdflib + pySHACL with default options, queries and recognition against
rdflib's own SPARQL engine and against Virtuoso, loading against rdflib's parser and Virtuoso's
Graph Store Protocol. Not part of pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import load  # noqa: E402
import pyoxigraph as ox  # noqa: E402
import rdflib  # noqa: E402
import report  # noqa: E402
import saved  # noqa: E402
import versus_oxigraph  # noqa: E402
import workload  # noqa: E402

from aqkg.build import synth  # noqa: E402
from aqkg.store.embedded import EmbeddedStore, StoreError  # noqa: E402
from aqkg.store.endpoint import EndpointStore  # noqa: E402
from aqkg.store.virtuoso import LocalVirtuoso, VirtuosoMissing  # noqa: E402

saved.register(load.LoadReport)
saved.register(versus_oxigraph.Figures)

GIB = 1024**3
SYNTH_SECONDS: dict[int, float] = {}


@dataclass(frozen=True)
class Plan:
    validation_sizes: list[int]
    naive_cap: float  # seconds the naive validation pipeline may take per size
    query_size: int
    rdflib_size: int
    samples: int  # parameter choices per catalogue query (and x2 recognitions)
    backend_budget: float  # seconds of queries per slow backend (rdflib, Virtuoso)
    growth_sizes: list[int]
    load_size: int
    violation_rate: float = 0.05


QUICK = Plan([10_000, 25_000], 100, 50_000, 10_000, 5, 30, [10_000, 25_000, 50_000], 250_000)
FULL = Plan(
    validation_sizes=[10_000, 100_000, 1_000_000],
    naive_cap=4_000,
    query_size=1_000_000,
    rdflib_size=25_000,
    samples=12,
    backend_budget=300,
    growth_sizes=[10_000, 100_000, 1_000_000, 10_000_000],
    load_size=1_000_000,
)


# -- measured subprocesses -------------------------------------------------------------------


def measured(*worker: str, timeout: float) -> tuple[dict[str, object] | None, float]:
    """Run `run.py --worker ...` under a trampoline that reports the worker's peak RSS
    (getrusage(RUSAGE_CHILDREN).ru_maxrss of a fresh process); (None, seconds) on timeout."""
    trampoline = (
        "import json, resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps({'rss_kib': rss, 'rc': done.returncode, 'out': done.stdout,"
        " 'err': done.stderr[-2000:]}))\n"
    )
    command = [sys.executable, "-c", trampoline, sys.executable, __file__, "--worker", *worker]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, time.perf_counter() - started
    outer = json.loads(done.stdout)
    if outer["rc"] != 0:
        raise RuntimeError(f"worker {worker} failed:\n{outer['err']}")
    result: dict[str, object] = json.loads(outer["out"].strip().splitlines()[-1])
    result["rss_bytes"] = int(outer["rss_kib"]) * 1024
    return result, time.perf_counter() - started


def worker(kind: str, path: Path, report: Path) -> None:
    started = time.perf_counter()
    if kind == "validate-aqkg":
        violations, results = _validate_aqkg(path, report)
    elif kind == "validate-naive":
        violations, results = _validate_naive(path, report)
    else:
        raise SystemExit(f"unknown worker {kind}")
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "violations": violations, "results": results}))


def _validate_aqkg(path: Path, report: Path) -> tuple[int, int]:
    from aqkg.validation.report import as_json
    from aqkg.validation.validate import validate_files

    result = validate_files([path])
    report.write_text(as_json(result), encoding="utf-8")
    return result.violations, len(result.findings)


def _validate_naive(path: Path, report: Path) -> tuple[int, int]:
    import pyshacl
    from rdflib.namespace import RDF, SH

    from aqkg.validation.shapes import load_ontology, load_shapes

    data = rdflib.Graph()
    data.parse(path, format="nt")
    _, graph, _ = pyshacl.validate(data, shacl_graph=load_shapes(), ont_graph=load_ontology())
    graph.serialize(report, format="turtle")
    results = set(graph.subjects(RDF.type, SH.ValidationResult))
    violations = sum(1 for r in results if (r, SH.resultSeverity, SH.Violation) in graph)
    return violations, len(results)


# -- sections --------------------------------------------------------------------------------


def synthetic(work: Path, size: int, plan: Plan) -> Path:
    """The synthetic file of `size` triples, written once per work folder; the seconds it took
    are kept beside it, so a reused file still reports them."""
    path = work / f"synth-{size}.nt"
    timing = path.with_suffix(".seconds")
    if not (path.exists() and timing.exists()):
        started = time.perf_counter()
        synth.write(path, size, seed=1, violation_rate=plan.violation_rate)
        timing.write_text(str(time.perf_counter() - started))
    SYNTH_SECONDS[size] = float(timing.read_text())
    return path


def bench_validation(plan: Plan, work: Path) -> list[dict[str, Any]]:
    rows = []
    naive_timed_out = False
    for size in plan.validation_sizes:
        path = synthetic(work, size, plan)
        ours, _ = measured("validate-aqkg", str(path), str(work / "r.json"), timeout=3600)
        naive: dict[str, object] | None = None
        naive_wall = float("nan")
        if not naive_timed_out:
            naive, naive_wall = measured(
                "validate-naive", str(path), str(work / "r.ttl"), timeout=plan.naive_cap
            )
            naive_timed_out = naive is None
        rows.append({"size": size, "aqkg": ours, "naive": naive, "naive_wall": naive_wall})
        _log(f"validation {size}: aqkg {ours}, naive {naive} ({naive_wall:.1f}s)")
    return rows


def bench_queries(plan: Plan, work: Path) -> dict[str, object]:
    store, _ = workload.embedded_graph(synthetic(work, plan.query_size, plan))
    candidates = workload.Candidates.read(store)
    calls = _calls(candidates, plan.samples)
    embedded = workload.measure(store, calls, budget=3600, slow=3600)
    _log("queries: embedded done")
    small, _ = workload.embedded_graph(synthetic(work, plan.rdflib_size, plan))
    small_calls = _calls(workload.Candidates.read(small), max(2, plan.samples // 4))
    rdf = workload.measure(
        workload.RdflibStore.copy_of(small), small_calls, plan.backend_budget, slow=10
    )
    embedded_small = workload.measure(small, small_calls, budget=3600, slow=3600)
    _log("queries: rdflib done")
    virtuoso = _virtuoso_queries(store, calls, plan, work)
    _log("queries: virtuoso done")
    return {
        "embedded": embedded,
        "embedded_small": embedded_small,
        "rdflib": rdf,
        "virtuoso": virtuoso,
        "triples": sum(store.triple_counts().values()),
        "small_triples": sum(small.triple_counts().values()),
    }


def _calls(candidates: workload.Candidates, samples: int) -> list[workload.Call]:
    """Catalogue queries and recognitions, shuffled (seeded): a time budget cuts both alike."""
    calls = [
        *workload.query_calls(candidates, samples),
        *workload.recognition_calls(candidates, samples * 2),
    ]
    random.Random(3).shuffle(calls)
    return calls


def _virtuoso_queries(
    store: EmbeddedStore, calls: list[workload.Call], plan: Plan, work: Path
) -> dict[str, object]:
    try:
        with LocalVirtuoso(work / "virtuoso", buffers_mb=1024) as server:
            endpoint = EndpointStore(server.sparql_url, user=server.user, password=server.password)
            load_seconds = _copy_to_endpoint(store, endpoint)
            latencies = workload.measure(endpoint, calls, plan.backend_budget, slow=20)
            return {"latencies": latencies, "load_seconds": load_seconds}
    except (VirtuosoMissing, RuntimeError, StoreError) as error:
        return {"error": str(error)}


def _copy_to_endpoint(store: EmbeddedStore, endpoint: EndpointStore) -> float:
    started = time.perf_counter()
    endpoint.add_quads(store.quads())
    return time.perf_counter() - started


def bench_load(plan: Plan, work: Path) -> dict[str, object]:
    path = synthetic(work, plan.load_size, plan)
    triples = sum(1 for _ in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES))
    rows = [
        {
            "backend": "embedded, in memory (bulk_load, IRIs and literals checked)",
            **_rate(triples, lambda: _ox_load(path, trusted=False)),
        },
        {
            "backend": "embedded, in memory (bulk_load of a file aqkg wrote, not re-checked)",
            **_rate(triples, lambda: _ox_load(path, trusted=True)),
        },
        {
            "backend": "embedded, on disk (bulk_load + flush)",
            **_rate(triples, lambda: _ox_load(path, work / "disk-store", trusted=False)),
        },
        {
            "backend": "oxigraph load, the oxigraph CLI, on disk (anchor)",
            **_rate(triples, lambda: _cli_load(["oxigraph", "load", "--location"], path, work)),
        },
        {
            "backend": "aqkg load, on disk (checkpoint, guard, all or nothing)",
            **_rate(triples, lambda: _cli_load(["aqkg", "load", "--store"], path, work)),
        },
        {"backend": "rdflib Graph.parse (baseline)", **_rate(triples, lambda: _rdflib_load(path))},
        {"backend": "Virtuoso, Graph Store Protocol", **_virtuoso_load(path, triples, work)},
    ]
    _log("load done")
    return {"rows": rows}


def _rate(triples: int, load: Callable[[], object]) -> dict[str, object]:
    started = time.perf_counter()
    load()
    seconds = time.perf_counter() - started
    return {"triples": triples, "seconds": seconds, "rate": triples / seconds}


def _ox_load(path: Path, folder: Path | None = None, *, trusted: bool) -> None:
    if folder is not None and folder.exists():
        shutil.rmtree(folder)
    store = EmbeddedStore(ox.Store(str(folder)), folder) if folder else EmbeddedStore.in_memory()
    store.bulk_load_ntriples(path, "urn:aqkg-bench:load", trusted=trusted)
    store.flush()


def _cli_load(command: list[str], path: Path, work: Path) -> None:
    """`<command> FOLDER <file>` into a fresh folder, as a user runs it (process start included)."""
    folder = work / "cli-store"
    if folder.exists():
        shutil.rmtree(folder)
    program = shutil.which(command[0], path=str(Path(sys.executable).parent))
    if program is None:
        raise SystemExit(
            f"{command[0]} not found beside {sys.executable}: pip install -e '.[bench]'"
        )
    arguments = [program, *command[1:], str(folder)]
    arguments += ["--file", str(path)] if command[0] == "oxigraph" else [str(path)]
    subprocess.run(arguments, check=True, stdout=subprocess.DEVNULL)


def _rdflib_load(path: Path) -> None:
    rdflib.Graph().parse(path, format="nt")


def _virtuoso_load(path: Path, triples: int, work: Path) -> dict[str, object]:
    try:
        with LocalVirtuoso(work / "virtuoso-load", buffers_mb=1024) as server:
            endpoint = EndpointStore(server.sparql_url, user=server.user, password=server.password)
            parsed = (q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES))
            return _rate(triples, lambda: endpoint.add_triples("urn:aqkg-bench:load", parsed))
    except (VirtuosoMissing, RuntimeError, StoreError) as error:
        return {"triples": triples, "error": str(error)}


def bench_build(work: Path, runs: int = 3) -> list[float]:
    aqkg = Path(sys.executable).with_name("aqkg")
    seconds = []
    for run in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [str(aqkg), "build", "--store", str(work / f"cold-{run}")],
            check=True,
            capture_output=True,
        )
        seconds.append(time.perf_counter() - started)
    _log(f"build {seconds}")
    return seconds


def bench_versus_oxigraph(work: Path, plan: Plan) -> Any:
    """`aqkg serve` against `oxigraph serve-read-only`, same store and mix, 8 clients."""
    store = load.build_store(work / "versus-store")
    requests = 15 if plan is QUICK else 40
    results = versus_oxigraph.compare(store, clients=8, requests=requests)
    _log("versus oxigraph: " + ", ".join(f"{r.server} {r.throughput:.0f}/s" for r in results))
    return {"clients": 8, "requests": requests, "rounds": 2, "results": results}


def bench_serve(work: Path) -> Any:
    """`aqkg serve` under 20 concurrent clients (benchmarks/load.py)."""
    store = load.build_store(work / "serve-store")
    figures = load.run_load(store, clients=20, requests_per_client=25, timeout_seconds=2.0)
    _log(f"serve: {figures.summary()}")
    return figures


def bench_growth(plan: Plan, work: Path) -> list[dict[str, object]]:
    rows = []
    for size in plan.growth_sizes:
        path = synthetic(work, size, plan)
        store, load_seconds = workload.embedded_graph(path)
        calls = _calls(workload.Candidates.read(store), max(3, plan.samples // 2))
        latencies = workload.measure(store, calls, budget=plan.backend_budget, slow=60)
        rows.append(
            {
                "size": size,
                "triples": sum(store.triple_counts().values()),
                "synth_seconds": SYNTH_SECONDS.get(size, float("nan")),
                "load_seconds": load_seconds,
                "latencies": latencies,
            }
        )
        _log(f"growth {size} done")
    return rows


# -- report ----------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    import pyshacl

    memory = _meminfo_gib()
    return {
        "CPUs": str(os.cpu_count()),
        "RAM": f"{memory:.1f} GiB",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "pyoxigraph": ox.__version__,
        "rdflib": rdflib.__version__,
        "pyshacl": pyshacl.__version__,
        "Virtuoso": _virtuoso_version(),
    }


def _meminfo_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024 / GIB
    return float("nan")


def _virtuoso_version() -> str:
    try:
        done = subprocess.run(["virtuoso-t", "-?"], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return "not installed"
    lines = [line for line in (done.stdout + done.stderr).splitlines() if "Version" in line]
    return lines[0].strip() if lines else "unknown"


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


SECTIONS: dict[str, Callable[[Plan, Path], Any]] = {
    "build": lambda plan, work: bench_build(work),
    "validation": bench_validation,
    "queries": bench_queries,
    "load": bench_load,
    "growth": bench_growth,
    "serve": lambda plan, work: bench_serve(work),
    "versus-oxigraph": lambda plan, work: bench_versus_oxigraph(work, plan),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under ~5 minutes")
    parser.add_argument(
        "--section",
        action="append",
        choices=sorted(SECTIONS),
        help="measure only this section (repeatable); the others keep their saved figures",
    )
    parser.add_argument(
        "--render-only", action="store_true", help="write RESULTS.md from the saved figures"
    )
    parser.add_argument("--work", type=Path, help="folder for synthetic files (kept; reused)")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, default=HERE, help="folder for RESULTS.md")
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]), Path(args.worker[2]))
        return 0
    mode = "quick" if args.quick else "full"
    plan = QUICK if args.quick else FULL
    if not args.render_only:
        with _work_folder(args.work) as work:
            saved.save(mode, "machine", machine(), 0.0, saved.commit())
            for name in args.section or list(SECTIONS):
                started, commit = time.perf_counter(), saved.commit()
                figures = SECTIONS[name](plan, work)
                minutes = (time.perf_counter() - started) / 60
                path = saved.save(mode, name, figures, minutes, commit)
                _log(f"{name}: figures saved to {path.relative_to(HERE)}")
    report.write(saved.load(mode), mode, plan, args.output)
    _log(f"wrote {args.output / 'RESULTS.md'}")
    return 0


@contextmanager
def _work_folder(given: Path | None) -> Iterator[Path]:
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="aqkg-bench-") as folder:
        yield Path(folder)


if __name__ == "__main__":
    raise SystemExit(main())
