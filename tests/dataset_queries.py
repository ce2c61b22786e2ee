"""SELECT queries over the shipped data that name their dataset in every way SPARQL allows (FROM,
FROM NAMED, GRAPH, the protocol's default-graph-uri / named-graph-uri), for the tests that
check every path and both backends give the same rows."""

from __future__ import annotations

from aqkg.paths import GRAPH_BASE
from aqkg.syntax.dataset import Dataset

COUNTRIES = GRAPH_BASE + "data/countries/"
LA, KH, TH = (f"{COUNTRIES}{country}/qualifications" for country in ("la", "kh", "th"))
PREFIXES = "PREFIX aqkg: <https://w3id.org/aqkg/ontology#>\n"

DATASET_QUERIES: dict[str, str] = {
    "union": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "from": f"SELECT (COUNT(*) AS ?n) FROM <{LA}> WHERE {{ ?s ?p ?o }}",
    "graph": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{LA}> {{ ?s ?p ?o }} }}",
    "graph-variable": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "from-two": f"{PREFIXES}SELECT ?q FROM <{LA}> FROM <{KH}> WHERE {{ ?q a aqkg:Qualification }}",
    "from-named": (
        f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{LA}> FROM NAMED <{TH}> "
        "WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    ),
    "from-and-from-named": (
        f"{PREFIXES}SELECT ?q ?g ?other FROM <{LA}> FROM NAMED <{KH}> FROM NAMED <{TH}> "
        "WHERE { ?q a aqkg:Qualification GRAPH ?g { ?other a aqkg:Qualification } }"
    ),
    "from-named-alone-empty-default": f"SELECT (COUNT(*) AS ?n) FROM NAMED <{LA}> {{ ?s ?p ?o }}",
    "from-alone-no-named": f"SELECT (COUNT(*) AS ?n) FROM <{LA}> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "prefixed-name": (
        f"PREFIX c: <{COUNTRIES}> SELECT (COUNT(*) AS ?n) FROM c:la\\/qualifications {{ ?s ?p ?o }}"
    ),
    "from-a-graph-not-held": (
        f"SELECT (COUNT(*) AS ?n) FROM <{COUNTRIES}zz/none> WHERE {{ ?s ?p ?o }}"
    ),
}

# (query name, protocol dataset): the protocol's graphs replace the query's own.
PROTOCOL_CASES: list[tuple[str, Dataset]] = [
    ("union", Dataset((LA,), ())),
    ("from", Dataset((KH, TH), ())),
    ("from-named", Dataset((), (KH,))),
    ("graph-variable", Dataset((LA,), (LA, KH))),
]
