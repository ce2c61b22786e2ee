"""Speed anchors for the compiled SHACL engine: the same data and shapes files through aqkg
(compiled), pySHACL, pyrudof (Rust, PyPI) and the npm shacl-engine (JavaScript, Node 20).

Each engine runs in a fresh process on the same two files: the synthetic data (`aqkg synth`,
seed 1, violation rate 0.05) with the ontology's triples appended (an engine without an
ontology option sees the class tree in the data), and every project shape in one Turtle file.
Wall seconds include parsing; peak RSS is the child's. Results are counted the same way (every
result; violations those of severity sh:Violation).

    .venv/bin/python benchmarks/anchors.py --sizes 10000 100000 [--pyshacl-up-to 100000]

Needs `pip install -e '.[bench]'` (pyrudof) and `npm install` in benchmarks/anchors/.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENGINES = ("aqkg", "pyshacl", "pyrudof", "shacl-engine")


def prepare(work: Path, size: int) -> tuple[Path, Path]:
    from aqkg import paths
    from aqkg.build import synth
    from aqkg.validation.shapes import load_shapes

    data = work / f"data-{size}.nt"
    if not data.exists():
        synth.write(data, size, seed=1, violation_rate=0.05)
        ontology = paths.ontology_dir() / "aqkg.ttl"
        import pyoxigraph as ox

        with data.open("ab") as out:
            ox.serialize(ox.parse(path=str(ontology)), out, format=ox.RdfFormat.N_TRIPLES)
    shapes = work / "shapes.ttl"
    if not shapes.exists():
        load_shapes().serialize(shapes, format="turtle")
    return data, shapes


def worker(engine: str, data: Path, shapes: Path) -> dict[str, object]:
    if engine == "aqkg":
        return _aqkg(data, shapes)
    if engine == "pyshacl":
        return _pyshacl(data, shapes)
    if engine == "pyrudof":
        return _pyrudof(data, shapes)
    raise SystemExit(f"unknown engine {engine}")


def _aqkg(data: Path, shapes: Path) -> dict[str, object]:
    from rdflib import Graph
    from rdflib.namespace import RDF, SH

    from aqkg.intake.rdf_input import iter_triples
    from aqkg.validation.processor import validate

    outcome = validate(
        lambda: iter_triples(data), Graph, Graph().parse(shapes), None, engine="compiled"
    )
    return _count(outcome.report, RDF, SH)


def _pyshacl(data: Path, shapes: Path) -> dict[str, object]:
    import pyshacl
    from rdflib import Graph
    from rdflib.namespace import RDF, SH

    graph = Graph().parse(data, format="nt")
    _, report, _ = pyshacl.validate(graph, shacl_graph=Graph().parse(shapes), inference="none")
    return _count(report, RDF, SH)


def _count(report: object, rdf: object, sh: object) -> dict[str, object]:
    from rdflib import Graph
    from rdflib.namespace import RDF, SH

    assert isinstance(report, Graph)
    results = set(report.subjects(RDF.type, SH.ValidationResult))
    violations = sum(1 for r in results if (r, SH.resultSeverity, SH.Violation) in report)
    return {"results": len(results), "violations": violations}


def _pyrudof(data: Path, shapes: Path) -> dict[str, object]:
    import pyrudof

    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(str(data), format=pyrudof.RDFFormat.NTriples)
    rudof.read_shacl(str(shapes))
    report = rudof.validate_shacl()
    results = list(report)
    violations = sum(1 for r in results if "Violation" in str(getattr(r, "severity", r)))
    return {"results": len(results), "violations": violations}


def measure(engine: str, data: Path, shapes: Path, timeout: float) -> dict[str, object]:
    if engine == "shacl-engine":
        command = ["node", str(HERE / "anchors" / "validate.js"), str(data), str(shapes)]
    else:
        command = [sys.executable, __file__, "--worker", engine, str(data), str(shapes)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"engine": engine, "error": f"over {timeout:.0f} s"}
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"engine": engine, "error": last[:200], "seconds": seconds}
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    # ru_maxrss of the children is a maximum over all of them: only a new peak is this one's
    rss = peak / 2**20 if peak > before else None
    return {"engine": engine, "seconds": seconds, "peak_gib": rss, **figures}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--pyshacl-up-to", type=int, default=100_000)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "anchors.json")
    parser.add_argument("--worker", nargs=3, metavar=("ENGINE", "DATA", "SHAPES"))
    args = parser.parse_args()
    if args.worker:
        engine, data, shapes = args.worker
        print(json.dumps(worker(engine, Path(data), Path(shapes))))
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="aqkg-anchors-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in args.sizes:
        data, shapes = prepare(work, size)
        for engine in ENGINES:
            if engine == "pyshacl" and size > args.pyshacl_up_to:
                continue
            row = {"size": size, **measure(engine, data, shapes, args.timeout)}
            print(json.dumps(row), flush=True)
            rows.append(row)
    args.out.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
