"""`aqkg build`: ontology + data files -> validated, reasoned, named-graph store."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from aqkg.build.checks import build_check_findings
from aqkg.build.reason import illustrative_matches, inferred_triples
from aqkg.intake.ingest import Ingested
from aqkg.intake.project_files import (
    ingested_folder,
    is_submission_folder,
    load_project_files,
    project_files,
)
from aqkg.paths import (
    BUILT_GRAPH_PREFIXES,
    ILLUSTRATIVE_GRAPH,
    INFERRED_GRAPH,
    project_root,
)
from aqkg.progress import bar
from aqkg.store.embedded import EmbeddedStore, StoreError, replace_store_directory
from aqkg.submissions.publish import PUBLISHED_GRAPH_BASE
from aqkg.submissions.supersede import superseding_update
from aqkg.validation.report import Finding, Report
from aqkg.validation.validate import validate_data_graphs


@dataclass
class BuildSummary:
    files: int
    triples_per_graph: dict[str, int]
    report: Report
    written: bool
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)


def build(
    store_path: Path | None, *, allow_invalid: bool = False, files: list[Path] | None = None
) -> tuple[BuildSummary, EmbeddedStore]:
    """Load, validate, reason and (when valid or allowed) write the store.

    With store_path None everything stays in memory. The on-disk store is replaced only at the
    end and in one rename, so a failed build leaves the previous store intact.
    """
    started = time.perf_counter()
    phases = _Phases()
    sources = files if files is not None else project_files()
    with phases.step("load"):
        # read once: the triples go into the store, the cell provenance into the report
        ingested = {path: ingested_folder(path) for path in sources if is_submission_folder(path)}
        staging = load_project_files(sources, ingested)
        if store_path is not None:
            # published versions join before the checks, which see the union users query
            _carry_over_foreign_graphs(store_path, staging)
    with phases.step("validate"):
        report = validate_data_graphs(staging)
    with phases.step("reason"):
        project_graphs = staging.graph_names()
        staging.add_triples(INFERRED_GRAPH, inferred_triples(staging, project_graphs))
        staging.add_triples(ILLUSTRATIVE_GRAPH, illustrative_matches(staging))
    with phases.step("check"):
        report.findings.extend(build_check_findings(staging))
        report.checked.append("curation checks over the built graph")
        report.findings = at_cells(report.findings, ingested)

    written = False
    if report.conforms or allow_invalid:
        if store_path is not None:
            with phases.step("write"):
                replace_store_directory(store_path, staging)
        written = True
    phases.close()
    summary = BuildSummary(
        files=len(sources),
        triples_per_graph=staging.triple_counts(),
        report=report,
        written=written,
        seconds=time.perf_counter() - started,
        timings=phases.timings,
    )
    return summary, staging


class _Phases:
    """Times each phase of the build and shows it on a progress bar (terminal only)."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._bar = bar(5, "aqkg build")

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        self._bar.set_postfix_str(name)
        began = time.perf_counter()
        yield
        self.timings[name] = time.perf_counter() - began
        self._bar.update()

    def close(self) -> None:
        self._bar.close()


def at_cells(findings: list[Finding], ingested: dict[Path, Ingested]) -> list[Finding]:
    """Findings on records of a curated submission folder, prefixed with the file, row and
    column the record came from, so a curator fixes the cell, not the triple."""
    if not ingested or not findings:
        return findings
    located = []
    for finding in findings:
        for folder, result in ingested.items():
            cell = result.provenance.locate(finding.focus, finding.path, finding.value)
            if cell is not None:
                column = f", column {cell.column}" if cell.column else ""
                where = f"{folder.relative_to(project_root())}/{cell.sheet}.csv, row {cell.row}"
                finding = replace(finding, message=f"{where}{column}: {finding.message}")
                break
        located.append(finding)
    return located


def _carry_over_foreign_graphs(store_path: Path, staging: EmbeddedStore) -> None:
    if not (store_path / "CURRENT").is_file():
        return
    try:
        previous = EmbeddedStore.open(store_path, read_only=True)
    except StoreError:
        return
    for graph in previous.graph_names():
        if not graph.startswith(BUILT_GRAPH_PREFIXES):
            staging.add_quads(previous.quads(graph))
            if graph.startswith(PUBLISHED_GRAPH_BASE):
                staging.oxigraph.update(superseding_update(graph))
