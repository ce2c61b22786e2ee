"""The project's own data (ontology, Turtle files, curated submission folders) and loading it.

Large curated tables live under data/ as folders in the country submission template's CSV
layout (a folder holding about.csv); the build ingests them through the same pipeline national
agencies use, into one named graph per folder.
"""

from __future__ import annotations

from pathlib import Path

from aqkg.intake.ingest import Ingested, IngestError, ingest
from aqkg.intake.rdf_input import UnusableInputError, rdf_format_for
from aqkg.paths import data_dir, graph_iri_for, ontology_dir
from aqkg.store.embedded import EmbeddedStore

# Folders under data/ that are not part of the graph: fictional examples and blank templates.
EXCLUDED_DATA_FOLDERS = ("examples", "templates")
# A folder holding this file is a filled submission template (CSV layout).
SUBMISSION_MARKER = "about.csv"


def project_files() -> list[Path]:
    """Ontology first, then data files and submission folders, in a stable order."""
    ontology = sorted(ontology_dir().glob("*.ttl"))
    turtle = [path for path in data_dir().rglob("*.ttl") if _shipped(path)]
    folders = [m.parent for m in data_dir().rglob(SUBMISSION_MARKER) if _shipped(m.parent)]
    return ontology + sorted(turtle + folders)


def is_submission_folder(path: Path) -> bool:
    return path.is_dir() and (path / SUBMISSION_MARKER).is_file()


def _shipped(path: Path) -> bool:
    return path.relative_to(data_dir()).parts[0] not in EXCLUDED_DATA_FOLDERS


def load_project_files(
    files: list[Path] | None = None, ingested: dict[Path, Ingested] | None = None
) -> EmbeddedStore:
    """An in-memory store with one named graph per project file; `ingested` holds submission
    folders already read (the build keeps their cell provenance for its report)."""
    store = EmbeddedStore.in_memory()
    for path in files if files is not None else project_files():
        if is_submission_folder(path):
            folder = (ingested or {}).get(path) or ingested_folder(path)
            store.add_triples(graph_iri_for(path), folder.triples)
            continue
        try:
            store.load_file(path, graph_iri_for(path), rdf_format_for(path))
        except SyntaxError as error:
            raise UnusableInputError(f"{path}: not valid Turtle: {error.msg}") from None
    return store


def ingested_folder(folder: Path) -> Ingested:
    """A curated submission folder as triples with cell provenance; its sheet-level problems
    (a bad code, an unknown value) make the data unusable, named by file, row and column."""
    try:
        ingested = ingest(folder)
    except IngestError as error:
        raise UnusableInputError(str(error)) from None
    problems = [f for f in ingested.findings if f.severity == "Violation"]
    if problems:
        first = problems[0]
        cell = ", ".join(
            part
            for part in (
                f"{first.sheet}.csv" if first.sheet else "",
                f"row {first.row}" if first.row else "",
                f"column {first.column}" if first.column else "",
            )
            if part
        )
        more = f" ({len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise UnusableInputError(f"{folder}: {cell}: {first.problem}. {first.fix}{more}")
    return ingested
