"""`aqkg publish | history | diff | rollback --endpoint URL`: versions published to a SPARQL
server, history kept on local disk.

Everything but the store is the embedded route's (aqkg.submissions.publish): the same validation,
history
layout (`<history>/<xx>/v<N>.nq`, manifest.json, pending.json), commit order and recovery. The
history folder is `--history DIR`, by default `.aqkg/endpoint-history/<host>-<port>-<path>`
under the project root: one history per endpoint, never mixed with the embedded store's.

Validation context: the graphs `aqkg build --endpoint` wrote (ontology, data, inferences),
copied into an in-memory store (what the embedded route finds in its own store). Nothing is
written before the submission conforms.

Replacement: the new content goes to a staging graph, then one SPARQL UPDATE (COPY) swaps it
in (EndpointStore.replace_graphs), so the graph is old or new, never a mix.

Recovery. The embedded route compares the graph's hash with the versions' hashes; Virtuoso
rewrites some literals even in their canonical form (xsd:float "1" -> "1.0", fractional
seconds "00.5Z" -> "00.500Z", xsd:duration "P1Y" -> "12"), so a hash of what it gives back
cannot match the hash of what was sent. Each version therefore also records
`server_sha256`: the hash of its content *as the server gives it back*, read from the staging
graph after staging and before the swap, and written into the pending intent before the swap
runs. COPY moves the server's own terms, so the published graph then reads back with exactly
that hash: recovery compares like with like, and a graph changed by anything else (another
machine's history, a hand edit) matches no version and is refused rather than guessed at.
A run killed after its intent but before its swap leaves its staging graph: recovery finishes
the swap when that graph is still whole (finish_swap), and keeps the old version otherwise.

One writer per endpoint (as for builds): a lock file in the country's history folder keeps two
publishes from one history apart; two machines with different histories are caught by
check_current, which refuses to publish over content this history did not publish.
"""

from __future__ import annotations

import fcntl
import re
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from aqkg.paths import project_root
from aqkg.store.embedded import EmbeddedStore, StoreError
from aqkg.store.endpoint import EndpointStore
from aqkg.submissions.publish import (
    MAX_REMOVED_SHARE,
    Announce,
    PublishError,
    Removals,
    Version,
    checked_country,
    commit,
    content_hash,
    country_history,
    load_version_in,
    published_graph,
    recover_target,
    rollback_target,
    validated,
    versions_in,
)
from aqkg.submissions.supersede import superseding_update

T = TypeVar("T")
DEFAULT_HISTORY = Path(".aqkg") / "endpoint-history"
LOCK = "publish.lock"  # no leading dot: recovery removes dot-files (interrupted writes)


@dataclass(frozen=True)
class Remote:
    """A SPARQL server and the local folder holding the history of what aqkg published there."""

    url: str
    history: Path

    @classmethod
    def at(cls, url: str, history: Path | None = None) -> Remote:
        return cls(url, history if history is not None else default_history(url))


def default_history(url: str) -> Path:
    """`.aqkg/endpoint-history/127.0.0.1-8890-sparql` for http://127.0.0.1:8890/sparql: host,
    port and path (never a user name from the URL)."""
    parts = urllib.parse.urlsplit(url)
    where = f"{parts.hostname or ''}-{parts.port or ''}-{parts.path}"
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", where).strip("-.") or "endpoint"
    return project_root() / DEFAULT_HISTORY / slug


@dataclass(frozen=True)
class EndpointTarget:
    """The published graph on the server, compared through server_sha256 (module docstring)."""

    endpoint: EndpointStore
    folder: Path

    def current_hash(self, country: str) -> str:
        return _server_hash(self.endpoint, published_graph(country))

    def recorded_hash(self, version: Version | None) -> str:
        if version is None:
            return content_hash([])
        if version.server_sha256 is None:
            raise PublishError(
                f"{self.folder}: v{version.version} has no server_sha256, so it was not "
                "published to an endpoint: give this endpoint its own --history folder"
            )
        return version.server_sha256

    def check_current(self, country: str, last: Version | None) -> None:
        """An empty graph (a wiped server) is published again; other content this history
        did not publish is not overwritten."""
        current = self.current_hash(country)
        if current not in (content_hash([]), self.recorded_hash(last)):
            state = f"v{last.version}" if last else "nothing"
            raise PublishError(
                f"{published_graph(country)} at {self.endpoint.query_url} does not hold what "
                f"{self.folder} last published ({state}): publish with the history it was "
                "published with (--history DIR), or drop the graph to start over"
            )

    def replace(
        self, graph: str, triples: list[ox.Triple], entry: Version, intend: Callable[[], None]
    ) -> None:
        def staged(staging: Mapping[str, str]) -> None:
            # no staging graph when there are no triples: the swap drops the graph
            entry.staging = staging.get(graph)
            entry.server_sha256 = (
                _server_hash(self.endpoint, entry.staging) if entry.staging else content_hash([])
            )
            intend()

        self.endpoint.drop_staging_graphs()  # a killed run's leftovers
        self.endpoint.replace_graphs({graph: triples}, before_swap=staged)
        entry.staging = None
        self.supersede(graph)

    def supersede(self, graph: str) -> None:
        """The published version supersedes the curated records it describes, as on the
        embedded store (aqkg.submissions.supersede); idempotent, so a retried or recovered run
        may repeat it."""
        self.endpoint.update(superseding_update(graph), "superseding the curated records")

    def finish_swap(self, country: str, pending: Version) -> bool:
        """Roll forward: a run killed after its intent, before or during the swap, leaves the
        staged content on the server; when it is still whole, do the swap (the same COPY, so
        one still in flight from the killed run changes nothing). Otherwise (dropped by a
        later run) the old version stays."""
        staging = pending.staging
        if not staging or _server_hash(self.endpoint, staging) != pending.server_sha256:
            return False
        graph = published_graph(country)
        self.endpoint.update(f"COPY <{staging}> TO <{graph}>", f"finishing v{pending.version}")
        self.endpoint.drop_graph(staging)
        self.supersede(graph)
        return True


# -- public operations -----------------------------------------------------------------------


def publish(
    source: Path,
    country: str,
    remote: Remote,
    *,
    allow_removals: bool = False,
    announce: Announce | None = None,
) -> Version:
    """Validate `source` against the endpoint's graphs and, with no violation, make it the
    current version of the country's graph on the endpoint (as aqkg.submissions.publish.publish
    does)."""
    country = checked_country(country)

    def action(target: EndpointTarget) -> Version:
        target.endpoint.require_credentials()  # before validating, not after
        submission = validated(source, country, validation_context(target.endpoint))
        if announce:
            announce(submission.read)
        share = None if allow_removals else MAX_REMOVED_SHARE
        return commit(
            target,
            country,
            submission.triples,
            f"published {source.name}",
            removals=Removals(share, announce),
        )

    return _using(remote, country, action)


def commit_version(remote: Remote, country: str, triples: list[ox.Triple], note: str) -> Version:
    """Make `triples` the current version without validating (tests, tools)."""
    country = checked_country(country)
    return _using(remote, country, lambda target: commit(target, country, triples, note))


def rollback(remote: Remote, country: str, to: int) -> Version:
    country = checked_country(country)
    return _using(remote, country, lambda target: rollback_target(target, country, to))


def recover(remote: Remote, country: str) -> None:
    country = checked_country(country)
    _using(remote, country, lambda target: recover_target(target, country))


def history(remote: Remote, country: str) -> list[Version]:
    """Versions, oldest first, after settling an interrupted publish when the server answers."""
    country = checked_country(country)
    with suppress(PublishError):  # server down or history in use: the manifest as it stands
        recover(remote, country)
    return versions_in(country_history(remote.history, country))


def load_version(remote: Remote, country: str, version: int) -> list[ox.Triple]:
    return load_version_in(country_history(remote.history, country), country, version)


def validation_context(endpoint: EndpointStore) -> EmbeddedStore:
    """The endpoint's built graphs (ontology, data, inferences) in an in-memory store: what
    validation reads in the embedded store."""
    from aqkg.paths import BUILT_GRAPH_PREFIXES

    counts = {
        g: n for g, n in endpoint.triple_counts().items() if g.startswith(BUILT_GRAPH_PREFIXES)
    }
    if not any(g.startswith(BUILT_GRAPH_PREFIXES[0]) for g in counts):
        raise PublishError(
            f"{endpoint.query_url} holds no aqkg ontology: run `aqkg build --endpoint "
            f"{endpoint.query_url}` first"
        )
    context = EmbeddedStore.in_memory()
    for graph, count in sorted(counts.items()):
        context.add_triples(graph, _read_graph(endpoint, graph, count))
    return context


# -- internals -------------------------------------------------------------------------------


def _using(remote: Remote, country: str, action: Callable[[EndpointTarget], T]) -> T:
    """Run `action` holding the history's lock; the endpoint's one-line errors as
    PublishError."""
    folder = country_history(remote.history, country)
    try:
        endpoint = EndpointStore.from_environment(remote.url)
        with _locked(folder, remote.url):
            return action(EndpointTarget(endpoint, folder))
    except StoreError as error:
        raise PublishError(str(error)) from None


@contextmanager
def _locked(folder: Path, url: str) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishError(
                f"another aqkg command is publishing from {folder} to {url}: wait for it to end"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _server_hash(endpoint: EndpointStore, graph: str) -> str:
    return content_hash(_read_graph(endpoint, graph, _count(endpoint, graph)))


def _count(endpoint: EndpointStore, graph: str) -> int:
    query = (
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ox.NamedNode(graph).value}> {{ ?s ?p ?o }} }}"
    )
    [[number]] = endpoint.select(query, whole_server=True).rows
    return int(number.value) if isinstance(number, ox.Literal) else 0


def _read_graph(endpoint: EndpointStore, graph: str, expected: int) -> list[ox.Triple]:
    """The graph's triples, all of them: a server that cuts results off at a row limit would
    otherwise give a wrong hash or a partial validation context. CONSTRUCT, as N-Triples, reads
    5-10 times faster from Virtuoso than SELECT's JSON, and gives the same terms."""
    name = ox.NamedNode(graph).value
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"
    triples = endpoint.construct(query, whole_server=True) if expected else []
    if len(triples) != expected:
        raise PublishError(
            f"{endpoint.query_url} returned {len(triples)} of the {expected} triples of {graph}: "
            "raise its result row limit (Virtuoso: ResultSetMaxRows in [SPARQL])"
        )
    return triples
