"""Publishing to a SPARQL endpoint supersedes the curated records a version describes, as the
embedded publish does (issue 17, item 2; docs/submissions-published-and-curated.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from test_supersede import AQKG, TESDA
from test_validation_context import _redescribed
from virtuoso_fixture import running_virtuoso

from aqkg.build.pipeline import BUILT_GRAPH_PREFIXES, build
from aqkg.store.backend import replace_graphs
from aqkg.store.endpoint import EndpointStore
from aqkg.store.virtuoso import LocalVirtuoso
from aqkg.submissions.publish_endpoint import Remote, publish

ID = "https://w3id.org/aqkg/id/"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalVirtuoso]:
    """A Virtuoso of its own: the test removes curated triples from its graphs."""
    with running_virtuoso(tmp_path_factory.mktemp("virtuoso-supersede"), 128) as virtuoso:
        _, built = build(None)
        writer = EndpointStore(virtuoso.sparql_url, user=virtuoso.user, password=virtuoso.password)
        replace_graphs(writer, built, BUILT_GRAPH_PREFIXES)
        yield virtuoso


def _statuses(reader: EndpointStore, record: str) -> list[str]:
    result = reader.select(f"SELECT ?s WHERE {{ <{record}> <{AQKG}curationStatus> ?s }}")
    return sorted(row[0].value for row in result.rows if row[0] is not None)


def test_a_version_published_to_an_endpoint_supersedes_the_curated_record(
    server: LocalVirtuoso, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AQKG_ENDPOINT_USER", server.user)
    monkeypatch.setenv("AQKG_ENDPOINT_PASSWORD", server.password)
    reader = EndpointStore(server.sparql_url)
    assert _statuses(reader, TESDA) == [AQKG + "Verified"]  # curated in data/regional/mrs.ttl
    _, built = build(None)
    triples = [
        ox.Triple(t.subject, t.predicate, ox.NamedNode(AQKG + "Unverified"))
        if t.predicate.value == AQKG + "curationStatus"
        else t
        for t in _redescribed(built, TESDA)
    ]
    path = tmp_path / "tesda.nt"
    path.write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
    publish(path, "PH", Remote(server.sparql_url, tmp_path / "history"))

    reader = EndpointStore(server.sparql_url)  # a reader's list of graphs is read once

    assert _statuses(reader, TESDA) == [AQKG + "Unverified"]  # one status, the published one
    # the rest of the curated file stays: its other ministries, its ASEAN occupations
    assert _statuses(reader, ID + "org/LA/MOLSW") == [AQKG + "Verified"]
    assert _statuses(reader, ID + "occupation/ASEAN/bricklayer")
