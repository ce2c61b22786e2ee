"""`aqkg build`, `coverage`, `synth`, `import esco`: making the store and reporting on it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from aqkg.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    CliError,
    open_for_query,
    store_options,
    store_path,
)
from aqkg.progress import wanted as progress_wanted
from aqkg.store.backend import open_store
from aqkg.store.embedded import EmbeddedStore
from aqkg.validation import report as report_output


def add_commands(sub: Any) -> None:
    build = sub.add_parser("build", help="load ontology and data, validate, reason, store")
    store_options(build)
    build.add_argument(
        "--allow-invalid",
        action="store_true",
        help="write the store even when the data has violations",
    )
    build.set_defaults(handler=_cmd_build)

    coverage = sub.add_parser("coverage", help="member state x kind matrix of what the graph holds")
    coverage.add_argument("--format", choices=["json", "markdown", "table"], default="table")
    store_options(coverage)
    coverage.set_defaults(handler=_cmd_coverage)

    synth = sub.add_parser("synth", help="synthetic data shaped like the real graph")
    synth.add_argument("--triples", required=True, type=int, metavar="N")
    synth.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.nt")
    synth.add_argument("--seed", type=int, default=1)
    synth.add_argument(
        "--violation-rate",
        type=float,
        default=0.0,
        metavar="R",
        help="share of copied qualifications given a violation (0-1)",
    )
    synth.add_argument(
        "--family-size",
        type=int,
        metavar="K",
        help="bundles sharing one copy of occupations, ISCO groups and RMCS (0: all share; "
        "default aqkg.build.synth.FAMILY_SIZE)",
    )
    synth.set_defaults(handler=_cmd_synth)

    import_cmd = sub.add_parser("import", help="import a reference classification")
    import_sub = import_cmd.add_subparsers(required=True, metavar="SOURCE")
    esco = import_sub.add_parser("esco", help="ESCO CSV export (ISCO-08 groups, occupations)")
    esco.add_argument("folder", type=Path, metavar="DIR")
    esco.add_argument("--store", type=Path)
    esco.set_defaults(handler=_cmd_import_esco)


def _cmd_build(args: argparse.Namespace) -> int:
    from aqkg.build.pipeline import build

    target_path = None if args.memory or args.endpoint else store_path(args)
    summary, staging = build(target_path, allow_invalid=args.allow_invalid)
    if args.endpoint and summary.written:
        from aqkg.paths import BUILT_GRAPH_PREFIXES
        from aqkg.store.backend import replace_graphs

        replace_graphs(open_store(None, args.endpoint), staging, BUILT_GRAPH_PREFIXES)
    print(
        f"{summary.files} files -> {sum(summary.triples_per_graph.values())} triples "
        f"in {len(summary.triples_per_graph)} graphs"
    )
    for graph, count in sorted(summary.triples_per_graph.items()):
        print(f"  {count:>7}  {graph}")
    print(report_output.as_summary(summary.report))
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in summary.timings.items())
    target = args.endpoint or ("memory" if target_path is None else str(target_path))
    state = "written to" if summary.written and target != "memory" else "NOT written to"
    print(f"store {state} {target}; {summary.seconds:.1f}s ({timings})")
    if not summary.report.conforms and not args.allow_invalid:
        print("build stopped: fix the violations above, or pass --allow-invalid", file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


def _cmd_synth(args: argparse.Namespace) -> int:
    from aqkg.build.synth import FAMILY_SIZE, write

    family_size = FAMILY_SIZE if args.family_size is None else args.family_size
    if args.triples < 1 or not 0.0 <= args.violation_rate <= 1.0 or family_size < 0:
        raise CliError(
            "--triples must be at least 1, --violation-rate between 0 and 1 "
            "and --family-size 0 or more"
        )
    written = write(args.output, args.triples, args.seed, args.violation_rate, family_size)
    print(f"{written} triples -> {args.output} (seed {args.seed})")
    return EXIT_OK


def _cmd_coverage(args: argparse.Namespace) -> int:
    from aqkg.build.coverage import FORMATTERS, coverage_matrix, failing_records

    store = open_for_query(args)
    print(FORMATTERS[args.format](coverage_matrix(store, failing_records(store))))
    return EXIT_OK


def _cmd_import_esco(args: argparse.Namespace) -> int:
    from aqkg.intake.esco import EscoImportError, import_esco

    store = EmbeddedStore.open(store_path(args), read_only=False)
    try:
        summary = import_esco(store.oxigraph, args.folder, progress=progress_wanted())
    except EscoImportError as error:
        raise CliError(str(error)) from None
    store.flush()
    print(
        f"imported {summary.isco_groups} ISCO-08 groups and {summary.occupations} ESCO "
        f"occupations ({summary.triples} triples) in {summary.seconds:.1f}s"
    )
    return EXIT_OK
