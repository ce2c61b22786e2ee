"""A store behind a SPARQL 1.1 endpoint (tested against Virtuoso 7).

Reads go to the public query URL with SPARQLWrapper. Writes never do: they go, with Digest
authentication, to a separate write URL, as Graph Store Protocol requests (N-Triples bodies) or
SPARQL UPDATE, in chunks of CHUNK_TRIPLES triples, each retried a bounded number of times (see
aqkg.store.http). A graph is replaced through a staging graph and one COPY, so readers see
the old content or the new content, never a part (see replace_graph). The user and password
come from AQKG_ENDPOINT_USER / AQKG_ENDPOINT_PASSWORD, never from the command line. By default
the write URLs follow Virtuoso's layout (`.../sparql-auth`, `.../sparql-graph-crud-auth`);
AQKG_ENDPOINT_UPDATE_URL and AQKG_ENDPOINT_GSP_URL override them for other servers.

What differs from the embedded store, and how it is made not to matter:
- Blank nodes: Virtuoso refuses them in INSERT DATA, and a server's blank node labels do not
  survive from one request to the next. They are skolemised to IRIs under SKOLEM_BASE before
  writing and turned back into the same blank nodes when read.
- Bindings: there is no protocol for initial bindings, so parameters become a VALUES block
  first in the outermost WHERE group (see aqkg.syntax.sparql_text).
- Results: a bound parameter's column holds the term the caller bound (Virtuoso turns
  "0"^^xsd:decimal into "0"^^xsd:integer). Virtuoso returns stored booleans as
  "1"^^xsd:boolean and booleans computed in a query (BIND(true AS ?x)) as 1/0 xsd:integer;
  both are read back as xsd:boolean true/false (the latter for variables the query binds to a
  true/false constant). Language tags are lower case, as pyoxigraph has them.
- The dataset: Virtuoso's default graph is the union of every graph on the server, its own
  system graphs and aqkg's staging graphs included, and it merges a query's FROM with the
  protocol's default-graph-uri instead of letting the protocol replace it. So every query is
  sent without its FROM / FROM NAMED clauses, with the dataset aqkg.syntax.dataset gives it as
  protocol parameters (default-graph-uri, named-graph-uri): aqkg's graphs (those under
  graph_prefix, GRAPH_BASE by default) for the union default graph, and only aqkg's graphs
  among those a query or request names (any other graph of the server reads as empty, as it
  would on the embedded store; a staging graph's half-written content is never read).
  graph_names() and triple_counts() list only aqkg's graphs.
- Base IRI: Virtuoso leaves relative IRIs relative; a query without a BASE of its own is sent
  with `BASE <base_iri>` first.
"""

from __future__ import annotations

import math
import os
import time
import urllib.error
import urllib.parse
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox
from SPARQLWrapper import JSON, POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from aqkg.paths import GRAPH_BASE
from aqkg.store.embedded import SelectResult, StoreError, Term
from aqkg.store.http import BACKOFF_SECONDS, WRITE_ATTEMPTS, DigestWriter
from aqkg.syntax.dataset import (
    DEFAULT_BASE_IRI,
    Dataset,
    DatasetError,
    declares_base,
    effective_dataset,
    without_dataset_clause,
)
from aqkg.syntax.sparql_text import QueryTextError, boolean_constant_variables, with_values

SKOLEM_BASE = "https://w3id.org/aqkg/.well-known/genid/"
XSD = "http://www.w3.org/2001/XMLSchema#"
BOOLEAN = ox.NamedNode(XSD + "boolean")
USER_VARIABLE = "AQKG_ENDPOINT_USER"
PASSWORD_VARIABLE = "AQKG_ENDPOINT_PASSWORD"
UPDATE_URL_VARIABLE = "AQKG_ENDPOINT_UPDATE_URL"
GSP_URL_VARIABLE = "AQKG_ENDPOINT_GSP_URL"
CHUNK_VARIABLE = "AQKG_ENDPOINT_CHUNK_TRIPLES"
N_TRIPLES_MEDIA = "application/n-triples"
NO_GRAPH = "https://w3id.org/aqkg/.well-known/no-graph"
# Outside GRAPH_BASE, so the union of aqkg's graphs (what queries read) never includes them.
STAGING_BASE = "https://w3id.org/aqkg/staging/"
# About 1 MB of N-Triples a request: small enough that no server cuts it off, few requests.
CHUNK_TRIPLES = 5_000
GraphTerm = ox.NamedNode | ox.BlankNode | ox.DefaultGraph


class EndpointStore:
    """The operations aqkg needs, over SPARQL 1.1 Protocol and Graph Store Protocol."""

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        gsp_url: str | None = None,
        user: str | None = None,
        password: str | None = None,
        graph_prefix: str = GRAPH_BASE,
        write_method: str = "gsp",
        timeout: int = 600,
        write_attempts: int = WRITE_ATTEMPTS,
        write_backoff: float = BACKOFF_SECONDS,
        chunk_triples: int = CHUNK_TRIPLES,
        graph_cache_seconds: float = math.inf,
    ) -> None:
        if write_method not in ("gsp", "update"):
            raise ValueError("write_method is 'gsp' (Graph Store Protocol) or 'update'")
        self.query_url = query_url
        self.update_url = update_url or _beside(query_url, "sparql-auth")
        self.gsp_url = gsp_url or _beside(query_url, "sparql-graph-crud-auth")
        self.graph_prefix = graph_prefix
        self.write_method = write_method
        self.timeout = timeout
        self.write_attempts = write_attempts
        self.chunk_triples = chunk_triples
        self.write_backoff = write_backoff
        self._user = user
        self._password = password
        self._digest: DigestWriter | None = None
        self.path: Path | None = None
        self._graphs: list[str] | None = None  # aqkg's graphs: the default graph of queries
        self._graphs_read = 0.0
        self.graph_cache_seconds = graph_cache_seconds

    @classmethod
    def from_environment(cls, query_url: str, **options: Any) -> EndpointStore:
        """Credentials, write URLs and chunk size from the AQKG_ENDPOINT_* environment
        variables."""
        chunk = os.environ.get(CHUNK_VARIABLE, "").strip()
        if chunk:
            if not chunk.isdigit() or int(chunk) < 1:
                raise StoreError(f"{CHUNK_VARIABLE}={chunk!r}: give a whole number of triples")
            options.setdefault("chunk_triples", int(chunk))
        return cls(
            query_url,
            update_url=os.environ.get(UPDATE_URL_VARIABLE),
            gsp_url=os.environ.get(GSP_URL_VARIABLE),
            user=os.environ.get(USER_VARIABLE),
            password=os.environ.get(PASSWORD_VARIABLE),
            **options,
        )

    # -- reading -----------------------------------------------------------------------------

    def select(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        *,
        dataset: Dataset | None = None,
        base_iri: str = DEFAULT_BASE_IRI,
        whole_server: bool = False,
    ) -> SelectResult:
        """Run a SELECT query over its dataset: the protocol `dataset` when given, else its
        FROM clauses', else the union of aqkg's graphs. `whole_server` sends it as it is, over
        whatever the server holds (for aqkg's own reads of staging graphs and graph lists)."""
        payload = self._query(sparql, bindings, _Reading(dataset, base_iri, whole_server))
        if "results" not in payload:
            raise StoreError("expected a SELECT query")
        variables = list(payload["head"]["vars"])
        booleans = boolean_constant_variables(sparql)
        rows = [
            [_term(solution.get(name), name in booleans) for name in variables]
            for solution in payload["results"]["bindings"]
        ]
        return SelectResult(variables, as_bound(variables, rows, bindings or {}))

    def ask(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        *,
        dataset: Dataset | None = None,
        base_iri: str = DEFAULT_BASE_IRI,
    ) -> bool:
        payload = self._query(sparql, bindings, _Reading(dataset, base_iri))
        if "boolean" in payload:
            return bool(payload["boolean"])
        # Virtuoso may answer ASK as a one-column SELECT: one row holding 1, or no row.
        if payload.get("head", {}).get("vars") == ["__ASK_RETVAL"]:
            rows = payload["results"]["bindings"]
            return bool(rows) and rows[0]["__ASK_RETVAL"]["value"] in ("1", "true")
        raise StoreError("expected an ASK query")

    def graph_names(self) -> list[str]:
        """aqkg's graphs on the server; remembered for `graph_cache_seconds` (a long-running
        reader such as `aqkg serve` then sees graphs a later build adds)."""
        stale = time.monotonic() - self._graphs_read > self.graph_cache_seconds
        if self._graphs is None or stale:
            self._graphs = sorted(self.triple_counts())
            self._graphs_read = time.monotonic()
        return list(self._graphs)

    def triple_counts(self) -> dict[str, int]:
        query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        rows = self.select(query, whole_server=True).rows
        return {
            str(g.value): int(str(n.value))
            for g, n in rows
            if isinstance(g, ox.NamedNode)
            and g.value.startswith(self.graph_prefix)
            and isinstance(n, ox.Literal)
        }

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        graphs = [graph] if graph else self.graph_names()
        for name in graphs:
            query = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{ox.NamedNode(name).value}> {{ ?s ?p ?o }} }}"
            for s, p, o in self.select(query, whole_server=True).rows:
                assert isinstance(s, ox.NamedNode | ox.BlankNode) and isinstance(p, ox.NamedNode)
                assert o is not None
                yield ox.Quad(s, p, o, ox.NamedNode(name))

    def dump_ntriples(self, graphs: Iterable[str]) -> bytes:
        triples = (
            ox.Triple(q.subject, q.predicate, q.object) for g in graphs for q in self.quads(g)
        )
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""

    def construct(
        self,
        sparql: str,
        *,
        dataset: Dataset | None = None,
        base_iri: str = DEFAULT_BASE_IRI,
        whole_server: bool = False,
    ) -> list[ox.Triple]:
        """Run a CONSTRUCT or DESCRIBE query; the triples as the embedded store would give."""
        reading = _Reading(dataset, base_iri, whole_server)
        body = self._fetch(sparql, None, reading, N_TRIPLES_MEDIA)
        if not isinstance(body, bytes):
            raise StoreError(f"{self.query_url} did not answer with N-Triples")
        try:
            parsed = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
            return [_unskolem_triple(q.triple) for q in parsed]
        except SyntaxError as error:
            raise StoreError(f"{self.query_url} answered unreadable N-Triples: {error}") from None

    def _query(
        self, sparql: str, bindings: Mapping[str, Term] | None, reading: _Reading
    ) -> dict[str, Any]:
        payload = self._fetch(sparql, bindings, reading, JSON)
        if not isinstance(payload, dict):
            raise StoreError(f"{self.query_url} did not answer with SPARQL JSON results")
        return payload

    def _fetch(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None,
        reading: _Reading,
        return_format: str,
    ) -> object:
        try:
            text = with_values(sparql, {k: _ntriples(v) for k, v in (bindings or {}).items()})
            graphs = None if reading.whole_server else self._graphs_of(sparql, text, reading)
        except (QueryTextError, DatasetError) as error:
            raise StoreError(str(error)) from None
        except SyntaxError as error:
            raise StoreError(f"SPARQL syntax error: {' '.join(str(error).split())}") from None
        if graphs is not None:
            text = graphs.text
        wrapper = SPARQLWrapper(self.query_url)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        if return_format == JSON:
            wrapper.setReturnFormat(JSON)
        else:  # SPARQLWrapper has no N-Triples format of its own: ask for it by media type
            wrapper.setOnlyConneg(True)
            wrapper.addCustomHttpHeader("Accept", return_format)
        wrapper.setTimeout(self.timeout)
        wrapper.setQuery(text)
        for graph in graphs.default if graphs is not None else ():
            wrapper.addDefaultGraph(graph)
        for graph in graphs.named if graphs is not None else ():
            wrapper.addNamedGraph(graph)
        try:
            if return_format == JSON:
                return wrapper.queryAndConvert()
            response = wrapper.query().response
            return response.read()
        except SPARQLWrapperException as error:
            raise StoreError(f"query failed at {self.query_url}: {_first_line(error)}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise StoreError(
                f"query failed at {self.query_url}: the server does not answer ({reason}); "
                "is it running?"
            ) from None

    def _graphs_of(self, sparql: str, text: str, reading: _Reading) -> _Sent:
        """The query text and protocol graphs that give Virtuoso the query's dataset (see the
        module doc): no dataset clause in the text, a BASE first, aqkg's graphs only."""
        dataset = effective_dataset(sparql, reading.base_iri, reading.dataset)
        text = without_dataset_clause(text, reading.base_iri)
        if not declares_base(text):
            text = f"BASE {ox.NamedNode(reading.base_iri)}\n{text}"
        return _Sent(text, self._served(dataset.default), self._served(dataset.named))

    def _served(self, graphs: tuple[str, ...] | None) -> list[str]:
        """The graphs to name in the protocol: aqkg's among `graphs`, all of aqkg's for None.
        Naming no graph would mean every graph of the server: a graph that does not exist is
        named instead."""
        if graphs is None:
            return self.graph_names() or [NO_GRAPH]
        return [g for g in graphs if g.startswith(self.graph_prefix)] or [NO_GRAPH]

    # -- writing -----------------------------------------------------------------------------

    def replace_graph(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """The graph's content becomes `triples`, atomically for readers (see replace_graphs)."""
        self.replace_graphs({graph: triples})

    def replace_graphs(
        self,
        contents: Mapping[str, Iterable[ox.Triple]],
        drop: Iterable[str] = (),
        before_swap: Callable[[Mapping[str, str]], None] | None = None,
    ) -> None:
        """Each graph of `contents` gets those triples and each graph in `drop` goes, all in
        one transaction: the triples are first written in chunks to staging graphs (outside
        graph_prefix, so no query sees them), then one SPARQL UPDATE copies every staging graph
        over its target and drops the others. A failure before that update leaves every graph
        as it was; Virtuoso runs one update request as one transaction, so readers see all the
        old graphs or all the new ones. `before_swap` gets {graph: its staging graph} (graphs
        with no triples left out) once all is staged; if it raises, nothing is swapped (publish
        reads the staged content back there, as the server will hold it)."""
        run = uuid.uuid4().hex
        staged: dict[str, str] = {}
        try:
            for number, (graph, triples) in enumerate(contents.items()):
                staging = f"{STAGING_BASE}{run}/{number}"
                staged[graph] = staging
                if not self._stage(staging, graph, triples):
                    del staged[graph]
            if before_swap is not None:
                before_swap(dict(staged))
        except StoreError as error:
            self._drop_quietly(list(staged.values()))
            raise StoreError(f"{error}; no graph was changed: run it again") from None
        except BaseException:
            self._drop_quietly(list(staged.values()))
            raise
        try:
            self._swap(staged, [g for g in contents if g not in staged], list(drop))
        except StoreError as error:
            raise StoreError(
                f"{error}; readers see either all the old graphs or all the new ones: run it "
                "again to be sure of the new"
            ) from None
        finally:
            self._drop_quietly(list(staged.values()))

    def _stage(self, staging: str, graph: str, triples: Iterable[ox.Triple]) -> bool:
        """Write `triples` into the staging graph; False when there were none."""
        sent = False
        for chunk in _chunks(triples, self.chunk_triples):
            self._add_chunk(staging, chunk, f"writing {graph} (staged in {staging})")
            sent = True
        return sent

    def add_quads_atomically(self, quads: Iterable[ox.Quad]) -> dict[str, int]:
        """Add quads to their graphs all at once: they are written chunk by chunk to staging
        graphs (one per target graph, made as the quads arrive, so memory holds one chunk),
        then one SPARQL UPDATE adds every staging graph to its target. Readers see none of the
        new triples or all of them; a failure before the update changes no graph. Returns the
        number of triples sent per graph."""
        run = uuid.uuid4().hex
        staged: dict[str, str] = {}
        sent: dict[str, int] = {}
        try:
            for chunk in _chunks(quads, self.chunk_triples):
                by_graph: dict[str, list[ox.Triple]] = {}
                for quad in chunk:
                    if not isinstance(quad.graph_name, ox.NamedNode):
                        raise StoreError("a quad in the default graph: give the graph to load into")
                    by_graph.setdefault(quad.graph_name.value, []).append(quad.triple)
                for graph, triples in by_graph.items():
                    staging = staged.setdefault(graph, f"{STAGING_BASE}{run}/{len(staged)}")
                    self._add_chunk(staging, triples, f"loading {graph} (staged in {staging})")
                    sent[graph] = sent.get(graph, 0) + len(triples)
            self._swap(staged, [], [], verb="ADD")
        except StoreError as error:
            raise StoreError(f"{error}; no graph was changed: run it again") from None
        finally:
            self._drop_quietly(list(staged.values()))
        return sent

    def _swap(
        self,
        staged: Mapping[str, str],
        emptied: list[str],
        dropped: list[str],
        verb: str = "COPY",
    ) -> None:
        """One update: every target := its staging graph (COPY drops the target, then copies
        into it; ADD keeps it and adds), the others dropped. Virtuoso treats COPY from a graph
        it does not hold as COPY from an empty graph, so the staging graphs are checked first:
        a lost staging graph must not empty its target."""
        if staged:
            values = " ".join(f"<{staging}>" for staging in staged.values())
            found = self.select(
                f"SELECT DISTINCT ?g WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}",
                whole_server=True,
            ).rows
            missing = set(staged.values()) - {
                g.value for (g,) in found if isinstance(g, ox.NamedNode)
            }
            if missing:
                raise StoreError(
                    f"the staging graph {sorted(missing)[0]} vanished before the swap (another "
                    "writer cleaned it up?): every graph was left as it was; run the command again"
                )
        operations = [
            f"{verb} <{staging}> TO <{ox.NamedNode(graph).value}>"
            for graph, staging in staged.items()
        ] + [f"DROP SILENT GRAPH <{ox.NamedNode(g).value}>" for g in [*emptied, *dropped]]
        if operations:
            targets = ", ".join([*staged, *emptied, *dropped])
            doing = "replacing" if verb == "COPY" else "adding to"
            self.update(" ;\n".join(operations), f"{doing} {targets}")

    def _drop_quietly(self, staging_graphs: list[str]) -> None:
        """Drop staging graphs, in one request and without retries: when the server is gone,
        the next run's drop_staging_graphs() removes them."""
        if not (staging_graphs and self._user and self._password):
            return
        sparql = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in staging_graphs)
        body = urllib.parse.urlencode({"update": sparql}).encode()
        writer = DigestWriter(self._user, self._password, timeout=self.timeout, attempts=1)
        with suppress(StoreError):
            writer.send("POST", self.update_url, body, "application/x-www-form-urlencoded", "")

    def add_triples(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Add to the graph chunk by chunk: readers may see some chunks before the others (use
        replace_graph for all-or-nothing)."""
        for chunk in _chunks(triples, self.chunk_triples):
            self._add_chunk(graph, chunk, f"adding to {graph}")

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
        for quad in quads:
            if not isinstance(quad.graph_name, ox.NamedNode):
                raise StoreError("every quad needs a named graph: aqkg keeps no default graph")
            by_graph[quad.graph_name.value].append(
                ox.Triple(quad.subject, quad.predicate, quad.object)
            )
        for graph, triples in by_graph.items():
            self.add_triples(graph, triples)

    def load_file(self, path: Path, graph: str, rdf_format: ox.RdfFormat) -> None:
        self.add_triples(graph, (q.triple for q in ox.parse(path=str(path), format=rdf_format)))

    def drop_graph(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH <{ox.NamedNode(graph).value}>", f"dropping {graph}")

    def staging_graphs(self) -> list[str]:
        """Staging graphs on the server: none, unless a write was cut off (server stopped,
        process killed) before it could drop its own."""
        query = (
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
            f'FILTER(STRSTARTS(STR(?g), "{STAGING_BASE}")) }}'
        )
        rows = self.select(query, whole_server=True).rows
        return sorted(g.value for (g,) in rows if isinstance(g, ox.NamedNode))

    def drop_staging_graphs(self) -> list[str]:
        """Drop the staging graphs an interrupted earlier run left behind. Assumes one writer
        at a time per endpoint (as the embedded store's lock enforces for a folder): a staging
        graph another writer is still filling would be dropped too, and its swap refused."""
        leftovers = self.staging_graphs()
        for graph in leftovers:
            self.drop_graph(graph)
        return leftovers

    def flush(self) -> None:
        """Nothing to do: the server commits every request."""

    def update(self, sparql: str, what: str = "SPARQL UPDATE") -> None:
        """Run SPARQL UPDATE on the authenticated write URL (retried when the server is
        unreachable: every update aqkg sends is idempotent)."""
        self._graphs = None
        body = urllib.parse.urlencode({"update": sparql}).encode()
        self._writer().send(
            "POST",
            self.update_url,
            body,
            "application/x-www-form-urlencoded",
            f"{what} at {self.update_url}",
        )

    def _add_chunk(self, graph: str, chunk: list[ox.Triple], what: str) -> None:
        if not chunk:
            return
        document = _ntriples_document(chunk)
        self._graphs = None
        if self.write_method == "gsp":
            url = f"{self.gsp_url}?{urllib.parse.urlencode({'graph': graph})}"
            self._writer().send("POST", url, document, "application/n-triples", f"{what} at {url}")
        else:
            target = ox.NamedNode(graph).value
            self.update(f"INSERT DATA {{ GRAPH <{target}> {{\n{document.decode()}}} }}", what)

    def require_credentials(self) -> None:
        """Raise the one-line StoreError a write would, before any work is done."""
        if not (self._user and self._password):
            raise StoreError(
                f"writing to the endpoint needs a user with update rights: set {USER_VARIABLE} "
                f"and {PASSWORD_VARIABLE}"
            )

    def _writer(self) -> DigestWriter:
        self.require_credentials()
        if self._digest is None:
            assert self._user and self._password  # require_credentials saw to it
            self._digest = DigestWriter(
                self._user,
                self._password,
                timeout=self.timeout,
                attempts=self.write_attempts,
                backoff=self.write_backoff,
            )
        return self._digest


@dataclass(frozen=True)
class _Reading:
    """How a query reads the server: its protocol dataset and base IRI, or the whole server."""

    dataset: Dataset | None
    base_iri: str
    whole_server: bool = False


@dataclass(frozen=True)
class _Sent:
    """The query text and protocol graphs sent to the server."""

    text: str
    default: list[str]
    named: list[str]


def _beside(query_url: str, name: str) -> str:
    """`http://host/sparql` -> `http://host/<name>` (Virtuoso's layout)."""
    base = query_url.rstrip("/")
    return base.rsplit("/", 1)[0] + "/" + name


def _first_line(error: object) -> str:
    """The server's own words when there are some (SPARQLWrapper puts them after 'Response:')."""
    text = str(error)
    _, found, response = text.partition("Response:")
    if found:
        text = response.strip().removeprefix("b'").removeprefix('b"').replace("\\n", "\n")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0][:500] if lines else repr(error)


T = TypeVar("T")


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def skolem(term: Term) -> ox.NamedNode | ox.Literal:
    if isinstance(term, ox.BlankNode):
        return ox.NamedNode(SKOLEM_BASE + term.value)
    if isinstance(term, ox.Triple):
        raise StoreError("RDF-star triple terms cannot be written to the endpoint")
    return term


def _unskolem_triple(triple: ox.Triple) -> ox.Triple:
    subject, predicate, obj = triple.subject, triple.predicate, triple.object
    if isinstance(subject, ox.NamedNode) and subject.value.startswith(SKOLEM_BASE):
        subject = ox.BlankNode(subject.value[len(SKOLEM_BASE) :])
    if isinstance(obj, ox.NamedNode) and obj.value.startswith(SKOLEM_BASE):
        obj = ox.BlankNode(obj.value[len(SKOLEM_BASE) :])
    return ox.Triple(subject, predicate, obj)


def _ntriples(term: Term) -> str:
    return str(skolem(term))


def _ntriples_document(triples: Iterable[ox.Triple]) -> bytes:
    skolemised = (
        ox.Triple(skolem(t.subject), t.predicate, skolem(t.object))  # type: ignore[arg-type]
        for t in triples
    )
    return ox.serialize(skolemised, format=ox.RdfFormat.N_TRIPLES) or b""


def as_bound(
    variables: list[str], rows: list[list[Term | None]], bindings: Mapping[str, Term]
) -> list[list[Term | None]]:
    """A bound parameter's column holds the caller's term, as pyoxigraph gives it back: Virtuoso
    rewrites some ("0"^^xsd:decimal comes back as "0"^^xsd:integer)."""
    fixed = [(i, bindings[name]) for i, name in enumerate(variables) if name in bindings]
    for row in rows:
        for i, term in fixed:
            if row[i] is not None:
                row[i] = term
    return rows


def _term(value: Mapping[str, str] | None, boolean_column: bool) -> Term | None:
    """A SPARQL JSON result term as the pyoxigraph term the embedded store would give."""
    if value is None:
        return None
    kind, text = value["type"], value["value"]
    if kind == "uri":
        if text.startswith(SKOLEM_BASE):
            return ox.BlankNode(text[len(SKOLEM_BASE) :])
        return ox.NamedNode(text)
    if kind == "bnode":
        return ox.BlankNode("".join(c for c in text if c.isalnum()))
    language = value.get("xml:lang")
    if language:
        return ox.Literal(text, language=language.lower())
    datatype = value.get("datatype")
    if datatype == BOOLEAN.value or (boolean_column and datatype == XSD + "integer"):
        return ox.Literal("true" if text in ("1", "true") else "false", datatype=BOOLEAN)
    if datatype:
        return ox.Literal(text, datatype=ox.NamedNode(datatype))
    return ox.Literal(text)
