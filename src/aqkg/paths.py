"""Where the project's files live, and the IRIs they get as named graphs."""

from __future__ import annotations

import os
from pathlib import Path

GRAPH_BASE = "https://w3id.org/aqkg/graph/"
INFERRED_GRAPH = GRAPH_BASE + "inferred"
# SKOS match triples derived from illustrative mapping records: a graph of their own, kept out of
# the default union so that no derived triple joins a real record to a made-up one.
ILLUSTRATIVE_GRAPH = GRAPH_BASE + "illustrative"

_MARKER = Path("ontology") / "aqkg.ttl"


def project_root() -> Path:
    """The folder holding ontology/, shapes/, data/ and queries/.

    AQKG_HOME wins; otherwise the nearest parent of the working directory holding the ontology;
    otherwise the checkout this package was installed from (editable install).
    """
    env = os.environ.get("AQKG_HOME")
    if env:
        return Path(env).resolve()
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / _MARKER).is_file():
            return folder
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / _MARKER).is_file():
        return checkout
    raise FileNotFoundError(
        "cannot find the aqkg project folder (ontology/aqkg.ttl): "
        "run from inside it or set AQKG_HOME"
    )


def ontology_dir() -> Path:
    return project_root() / "ontology"


def shapes_dir() -> Path:
    return project_root() / "shapes"


def data_dir() -> Path:
    return project_root() / "data"


def queries_dir() -> Path:
    return project_root() / "queries"


def graph_iri_for(path: Path) -> str:
    """Named graph IRI of a source file: its path below the project root, without extension."""
    relative = path.resolve().relative_to(project_root()).with_suffix("")
    return GRAPH_BASE + relative.as_posix()


# Graphs the build owns and rewrites; any other graph in the store (an ESCO import, say) is
# carried over untouched. (Here, not in aqkg.build,
# because publishing to an endpoint needs them too.)
BUILT_GRAPH_PREFIXES = (
    GRAPH_BASE + "ontology/",
    GRAPH_BASE + "data/",
    INFERRED_GRAPH,
    ILLUSTRATIVE_GRAPH,
)
