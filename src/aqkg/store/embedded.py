"""The embedded store: pyoxigraph, on disk under .aqkg/store or in memory.

One named graph per source file. A query naming no graph (no FROM, no protocol dataset) sees
the union of all graphs as its default graph, so named queries need no GRAPH clauses; FROM and
FROM NAMED are honoured as SPARQL 1.1 defines them (see aqkg.syntax.dataset).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from aqkg.syntax.dataset import (
    DEFAULT_BASE_IRI,
    Dataset,
    DatasetError,
    effective_dataset,
    oxigraph_options,
)

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

DEFAULT_STORE_DIR = Path(".aqkg") / "store"


class StoreError(Exception):
    """The store cannot be opened or used; the message says what to do."""


@dataclass(frozen=True)
class SelectResult:
    """Rows of a SELECT query, kept as pyoxigraph terms (None where unbound)."""

    variables: list[str]
    rows: list[list[Term | None]]


class EmbeddedStore:
    """A pyoxigraph store with the few operations aqkg needs."""

    def __init__(self, store: ox.Store, path: Path | None = None) -> None:
        self._store = store
        self.path = path

    @classmethod
    def in_memory(cls) -> EmbeddedStore:
        return cls(ox.Store())

    @classmethod
    def open(cls, path: Path, *, read_only: bool = True) -> EmbeddedStore:
        """Open an existing on-disk store; read-only unless asked (many readers may share it)."""
        if not (path / "CURRENT").is_file():
            raise StoreError(f"no store at {path}: run `aqkg build` first (or pass --store PATH)")
        try:
            store = ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
        except OSError as error:
            raise StoreError(f"cannot open the store at {path}: {error}") from error
        return cls(store, path)

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store, for bulk loaders such as the ESCO importer."""
        return self._store

    # -- reading -----------------------------------------------------------------------------

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def triple_counts(self) -> dict[str, int]:
        """Triples per named graph, from one aggregate query."""
        query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        solutions = self._store.query(query)
        assert isinstance(solutions, ox.QuerySolutions)
        return {row["g"].value: int(row["n"].value) for row in solutions}

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        graph_node = ox.NamedNode(graph) if graph else None
        return iter(self._store.quads_for_pattern(None, None, None, graph_node))

    def raw_query(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        *,
        dataset: Dataset | None = None,
        base_iri: str = DEFAULT_BASE_IRI,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run any SPARQL query; bindings are typed terms. `dataset` is a protocol dataset,
        which replaces the query's FROM clauses; with neither, the union of all graphs."""
        substitutions = {ox.Variable(name): term for name, term in (bindings or {}).items()}
        try:
            graphs = effective_dataset(sparql, base_iri, dataset)
            return self._store.query(
                sparql,
                base_iri=base_iri,
                substitutions=substitutions or None,
                **oxigraph_options(graphs),
            )
        except SyntaxError as error:
            raise StoreError(f"SPARQL syntax error: {error}") from error
        except DatasetError as error:
            raise StoreError(str(error)) from error

    def select(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        *,
        dataset: Dataset | None = None,
        base_iri: str = DEFAULT_BASE_IRI,
    ) -> SelectResult:
        solutions = self.raw_query(sparql, bindings, dataset=dataset, base_iri=base_iri)
        if not isinstance(solutions, ox.QuerySolutions):
            raise StoreError("expected a SELECT query")
        variables = [v.value for v in solutions.variables]
        rows = [[solution[name] for name in variables] for solution in solutions]
        return SelectResult(variables, rows)

    def dump_ntriples(self, graphs: Iterable[str]) -> bytes:
        """The union of some graphs as N-Triples (to hand to rdflib and pySHACL)."""
        triples = (
            ox.Triple(q.subject, q.predicate, q.object) for g in graphs for q in self.quads(g)
        )
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""

    # -- writing -----------------------------------------------------------------------------

    def load_file(self, path: Path, graph: str, rdf_format: ox.RdfFormat) -> None:
        """Load one file into a named graph (transactional: all or nothing)."""
        self._store.load(path=str(path), format=rdf_format, to_graph=ox.NamedNode(graph))

    def bulk_load_ntriples(self, path: Path, graph: str, *, trusted: bool = False) -> None:
        """Load a large N-Triples file into a named graph with pyoxigraph's bulk loader (not
        transactional: for a new or scratch graph).

        ``trusted`` skips re-checking IRIs and literals while parsing (about 1.5x faster):
        only for files aqkg wrote itself (``aqkg synth``, published versions), never for
        submitted input, which goes through :mod:`aqkg.intake.rdf_input` and its guards.
        """
        self._store.bulk_load(
            path=str(path),
            format=ox.RdfFormat.N_TRIPLES,
            to_graph=ox.NamedNode(graph),
            lenient=trusted,
        )

    def add_triples(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        graph_node = ox.NamedNode(graph)
        self._store.extend(ox.Quad(t.subject, t.predicate, t.object, graph_node) for t in triples)

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        self._store.bulk_extend(quads)

    def flush(self) -> None:
        if self.path is not None:
            self._store.flush()


def replace_store_directory(target: Path, fill: EmbeddedStore) -> None:
    """Write `fill`'s quads to a new store at `target`, swapping directories at the end.

    The new store is written beside the old one and renamed into place only once complete,
    so a failed or interrupted build leaves the previous store as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(target.name + ".new")
    retired = target.with_name(target.name + ".old")
    for leftover in (staging, retired):
        if leftover.exists():
            shutil.rmtree(leftover)
    new_store = ox.Store(str(staging))
    new_store.bulk_extend(fill.quads())
    new_store.flush()
    del new_store  # releases the RocksDB lock before the rename
    swap_in(staging, target)


def swap_in(staging: Path, target: Path) -> None:
    """Put the store folder `staging` in place of `target` by renames (the old one goes)."""
    retired = target.with_name(target.name + ".old")
    if retired.exists():
        shutil.rmtree(retired)
    if target.exists():
        target.rename(retired)
    staging.rename(target)
    if retired.exists():
        shutil.rmtree(retired)
