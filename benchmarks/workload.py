"""What the benchmarks run: synthetic graphs in each backend, and seeded parameter choices for
the query catalogue and the recognition engine (the same choices on every backend)."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib.query import ResultRow

from aqkg.build.pipeline import build
from aqkg.build.synth import SYNTH_GRAPH
from aqkg.paths import GRAPH_BASE
from aqkg.recognition.engine import RecognitionError, recognise
from aqkg.sparql.catalogue import NamedQuery, bind_params, catalogue, run, run_page
from aqkg.sparql.paging import Page
from aqkg.sparql.results import plain
from aqkg.store.backend import Store
from aqkg.store.embedded import EmbeddedStore, SelectResult, StoreError, Term

AQKG = "https://w3id.org/aqkg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
Call = tuple[str, Callable[[Store], object]]


@dataclass
class Latencies:
    """Seconds per call, by label (a query name or "recognition")."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    skipped: list[str] = field(default_factory=list)

    def add(self, label: str, seconds: float) -> None:
        self.seconds.setdefault(label, []).append(seconds)

    def all(self, *, recognition: bool) -> list[float]:
        return [
            s
            for label, values in self.seconds.items()
            if (label == "recognition") == recognition
            for s in values
        ]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


# -- graphs ----------------------------------------------------------------------------------


def embedded_graph(synthetic: Path) -> tuple[EmbeddedStore, float]:
    """The built shipped data (ontology, inferences) with its data graphs replaced by the
    synthetic file (which starts with that data), bulk-loaded into an in-memory store; returns
    the store and the seconds the synthetic load took."""
    _, store = build(None)
    for graph in store.graph_names():
        if graph.startswith(GRAPH_BASE + "data/"):
            store.oxigraph.remove_graph(ox.NamedNode(graph))
    started = time.perf_counter()
    store.bulk_load_ntriples(synthetic, SYNTH_GRAPH + "workload", trusted=True)
    return store, time.perf_counter() - started


class RdflibStore:
    """rdflib's own SPARQL engine over one graph holding the same triples (the union graph)."""

    def __init__(self, graph: rdflib.Graph) -> None:
        self.graph = graph

    @classmethod
    def copy_of(cls, store: EmbeddedStore) -> RdflibStore:
        graph = rdflib.Graph()
        graph.parse(data=store.dump_ntriples(store.graph_names()), format="nt")
        return cls(graph)

    def select(self, sparql: str, bindings: Mapping[str, Term] | None = None) -> SelectResult:
        initial = {name: _to_rdflib(term) for name, term in (bindings or {}).items()}
        result = self.graph.query(sparql, initBindings=initial)
        variables = [str(v) for v in result.vars or []]
        rows = []
        for row in result:
            assert isinstance(row, ResultRow)
            values = row.asdict()
            rows.append([_from_rdflib(values.get(v)) for v in variables])
        return SelectResult(variables, rows)


def _to_rdflib(term: Term) -> rdflib.term.Identifier:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        datatype = None if term.language else rdflib.URIRef(term.datatype.value)
        return rdflib.Literal(term.value, lang=term.language, datatype=datatype)
    raise StoreError("no RDF-star in the rdflib benchmark")


def _from_rdflib(node: object) -> Term | None:
    if node is None:
        return None
    if isinstance(node, rdflib.URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, rdflib.BNode):
        return ox.BlankNode("".join(c for c in str(node) if c.isalnum()) or "b")
    assert isinstance(node, rdflib.Literal)
    if node.language:
        return ox.Literal(str(node), language=node.language)
    datatype = ox.NamedNode(str(node.datatype)) if node.datatype else None
    return ox.Literal(str(node), datatype=datatype)


# -- parameter choices -------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidates:
    """Values to draw parameters from, read from the embedded graph."""

    values: dict[str, list[str]]
    qualifications: list[tuple[str, str]]  # (IRI, country code)

    @classmethod
    def read(cls, store: EmbeddedStore) -> Candidates:
        codes = _column(
            store, f"SELECT ?c WHERE {{ ?s a <{AQKG}MemberState> ; <{SKOS}notation> ?c }}"
        )
        quals = store.select(
            f"SELECT ?q ?c WHERE {{ ?q a <{AQKG}Qualification> ; <{AQKG}memberState> ?s . "
            f"?s <{SKOS}notation> ?c }}"
        ).rows
        records = _column(
            store, "SELECT DISTINCT ?s WHERE { ?s <http://purl.org/dc/terms/source> ?o }"
        )
        values = {
            "country": codes,
            "framework": _column(
                store, f"SELECT ?f WHERE {{ ?f a <{AQKG}QualificationsFramework> }}"
            ),
            "qualification": [plain(q) for q, _ in quals],
            "record": records,
            "match_type": [AQKG + n for n in ("ExactMatch", "CloseMatch", "BroadMatch", "NoMatch")],
            "min_confidence": ["0.5", "0.8", "0.9"],
            "level": [str(n) for n in range(1, 9)],
            "isco": ["7", "71", "7112", "2"],
        }
        values["node"] = values["record"]
        values["member_state"] = _column(store, f"SELECT ?s WHERE {{ ?s a <{AQKG}MemberState> }}")
        pairs = [(plain(q), plain(c)) for q, c in quals]
        return cls(values, sorted(pairs))


def _column(store: EmbeddedStore, sparql: str) -> list[str]:
    return sorted(plain(row[0]) for row in store.select(sparql).rows)


ALIASES = {"holder": "qualification", "target": "qualification"}


def query_calls(candidates: Candidates, samples: int, seed: int = 7) -> Iterator[Call]:
    """`samples` parameter choices per catalogue query, seeded."""
    chooser = random.Random(seed)
    for name, query in catalogue().items():
        for _ in range(samples):
            params = _choose(query, candidates, chooser)
            yield name, _runner(query, params)


def _choose(query: NamedQuery, candidates: Candidates, chooser: random.Random) -> dict[str, str]:
    params = {}
    for param in query.params:
        if param.type == "country":
            key = "country"
        elif param.name == "country":  # a member state given by its IRI
            key = "member_state"
        else:
            key = ALIASES.get(param.name, param.name)
        pool = candidates.values.get(key, [])
        if pool and (param.required or chooser.random() < 0.5):
            params[param.name] = chooser.choice(pool)
    return params


def _runner(query: NamedQuery, params: dict[str, str]) -> Callable[[Store], object]:
    bindings = bind_params(query, params)
    if query.paged:  # as `aqkg query` and the API run it: the first page and the total
        return lambda store: run_page(store, query, bindings, Page())
    return lambda store: run(store, query.text, bindings)


def recognition_calls(candidates: Candidates, samples: int, seed: int = 11) -> Iterator[Call]:
    """`samples` (qualification, other member state) pairs, seeded."""
    chooser = random.Random(seed)
    countries = candidates.values["country"]
    for _ in range(samples):
        qualification, own = chooser.choice(candidates.qualifications)
        country = chooser.choice([c for c in countries if c != own])
        yield "recognition", _recogniser(qualification, country)


def _recogniser(qualification: str, country: str) -> Callable[[Store], object]:
    def run(store: Store) -> object:
        try:
            return recognise(store, qualification, country)
        except RecognitionError as error:  # an answer too (e.g. no level): still timed
            return error

    return run


def measure(store: Any, calls: list[Call], budget: float, slow: float) -> Latencies:
    """Time each call; stop after `budget` seconds, and drop a label whose call took more than
    `slow` seconds (rdflib and a loaded Virtuoso can take minutes on one query)."""
    latencies = Latencies()
    deadline = time.perf_counter() + budget
    for label, call in calls:
        if label in latencies.skipped:
            continue
        if time.perf_counter() > deadline:
            latencies.skipped.append("(time budget)")
            break
        started = time.perf_counter()
        try:
            call(store)
        except Exception:  # a backend's failure is counted, not fatal to the benchmark
            latencies.errors += 1
        took = time.perf_counter() - started
        latencies.add(label, took)
        if took > slow:
            latencies.skipped.append(label)
    return latencies
