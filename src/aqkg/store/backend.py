"""One store interface, two backends: EmbeddedStore (pyoxigraph) and EndpointStore (SPARQL).

Callers (queries, recognition, build, validation context) use only what `Store` describes, so
the same code runs against the embedded store or a SPARQL server such as Virtuoso.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable

import pyoxigraph as ox

from aqkg.store.embedded import EmbeddedStore, SelectResult, Term
from aqkg.syntax.dataset import DEFAULT_BASE_IRI, Dataset


@runtime_checkable
class Store(Protocol):
    """What aqkg needs of a store: SELECT with typed bindings over the union of its graphs (or
    the query's FROM, or a protocol dataset; see aqkg.syntax.dataset), named graphs, and
    writes by graph."""

    def select(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        *,
        dataset: Dataset | None = None,
        base_iri: str = DEFAULT_BASE_IRI,
    ) -> SelectResult: ...

    def graph_names(self) -> list[str]: ...

    def triple_counts(self) -> dict[str, int]: ...

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]: ...

    def dump_ntriples(self, graphs: Iterable[str]) -> bytes: ...

    def add_triples(self, graph: str, triples: Iterable[ox.Triple]) -> None: ...

    def add_quads(self, quads: Iterable[ox.Quad]) -> None: ...

    def flush(self) -> None: ...


def open_store(store_path: Path | None, endpoint: str | None, *, read_only: bool = True) -> Store:
    """The endpoint when one is given (credentials from the environment), else the on-disk
    store at `store_path`."""
    if endpoint:
        from aqkg.store.endpoint import EndpointStore

        return EndpointStore.from_environment(endpoint)
    if store_path is None:
        raise ValueError("give a store folder or an endpoint URL")
    return EmbeddedStore.open(store_path, read_only=read_only)


def replace_graphs(target: Store, source: EmbeddedStore, prefixes: tuple[str, ...]) -> None:
    """Make the graphs of `target` named with one of `prefixes` equal to those of `source`:
    each is replaced whole, and any such graph `source` lacks is dropped, all in one
    transaction (readers see the old graphs or the new ones). Other graphs (an ESCO import,
    say) are left alone. Staging graphs an interrupted earlier run left behind are dropped
    first. Used by `aqkg build --endpoint URL`."""
    from aqkg.store.endpoint import EndpointStore

    if not isinstance(target, EndpointStore):
        raise TypeError("replace_graphs writes to an endpoint; the embedded build swaps folders")
    target.drop_staging_graphs()
    wanted = [graph for graph in sorted(source.graph_names()) if graph.startswith(prefixes)]
    obsolete = [
        graph
        for graph in target.graph_names()
        if graph.startswith(prefixes) and graph not in source.graph_names()
    ]
    target.replace_graphs({graph: _triples(source, graph) for graph in wanted}, obsolete)


def _triples(source: EmbeddedStore, graph: str) -> Iterator[ox.Triple]:
    return (quad.triple for quad in source.quads(graph))
