"""The project's own RDF files (ontology and data) and loading them into a store."""

from __future__ import annotations

from pathlib import Path

from aqkg.paths import data_dir, graph_iri_for, ontology_dir
from aqkg.rdf_input import UnusableInputError, rdf_format_for
from aqkg.store import EmbeddedStore

# Folders under data/ that are not part of the graph: fictional examples and blank templates.
EXCLUDED_DATA_FOLDERS = ("examples", "templates")


def project_files() -> list[Path]:
    """Ontology first, then data files in a stable order."""
    ontology = sorted(ontology_dir().glob("*.ttl"))
    data = sorted(
        path
        for path in data_dir().rglob("*.ttl")
        if path.relative_to(data_dir()).parts[0] not in EXCLUDED_DATA_FOLDERS
    )
    return ontology + data


def load_project_files(files: list[Path] | None = None) -> EmbeddedStore:
    """An in-memory store with one named graph per project file."""
    store = EmbeddedStore.in_memory()
    for path in files if files is not None else project_files():
        try:
            store.load_file(path, graph_iri_for(path), rdf_format_for(path))
        except SyntaxError as error:
            raise UnusableInputError(f"{path}: not valid Turtle: {error.msg}") from None
    return store
