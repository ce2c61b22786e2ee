"""A published version supersedes the curated records it describes.

The rule (README, "Country submissions"): once a member state publishes a record, its published
version is the record, everywhere a query looks. The store's default graph is the union of all
graphs, so a curated description left beside the published one would give every fact twice
(two curation statuses, two referencing statuses, one row per combination). The store therefore
drops the curated triples of every record a published graph describes: at publish, and at every
build, which reloads the curated files. The files under data/ are not touched; rolling back or
withdrawing a version and rebuilding brings the curated records back.

Sources are shared by many files and described by whoever introduced them
(aqkg.validation.ownership), so a published source does not supersede a curated one.
"""

from __future__ import annotations

from aqkg.paths import GRAPH_BASE
from aqkg.validation.ownership import SOURCE_BASE

CURATED_GRAPHS = GRAPH_BASE + "data/"


def superseding_update(published_graph: str) -> str:
    """SPARQL Update deleting, from the curated graphs, the records `published_graph`
    describes: first the blank nodes hanging off them (a level's descriptors), then their own
    triples (the link to those blank nodes last, or they could not be found)."""
    described = f"""{{ SELECT DISTINCT ?s WHERE {{ GRAPH <{published_graph}> {{ ?s ?anyp ?anyo }}
      FILTER (isIRI(?s) && !STRSTARTS(STR(?s), "{SOURCE_BASE}")) }} }}"""
    curated = f'FILTER (STRSTARTS(STR(?g), "{CURATED_GRAPHS}"))'
    return f"""DELETE {{ GRAPH ?g {{ ?b ?bp ?bo }} }} WHERE {{
  {described}
  GRAPH ?g {{ ?s ?p ?b . ?b ?bp ?bo }} FILTER (isBlank(?b)) {curated}
}} ;
DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{
  {described}
  GRAPH ?g {{ ?s ?p ?o }} {curated}
}}"""
