"""Published and curated data meet by one rule: a published version supersedes the curated
records it describes, in every query (issue 17, item 2), and the build flags a record that
still has two statuses."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from test_validation_context import _redescribed

from aqkg.build.checks import build_check_findings
from aqkg.build.pipeline import build
from aqkg.intake.project_files import load_project_files
from aqkg.store.embedded import EmbeddedStore
from aqkg.submissions.publish import publish, published_graph

ID = "https://w3id.org/aqkg/id/"
AQKG = "https://w3id.org/aqkg/ontology#"
TESDA = ID + "org/PH/TESDA"  # curated in data/regional/mrs.ttl as verified


def _statuses(store: EmbeddedStore, record: str) -> list[str]:
    result = store.select(f"SELECT ?s WHERE {{ <{record}> <{AQKG}curationStatus> ?s }}")
    return sorted(row[0].value for row in result.rows if row[0] is not None)


def test_a_published_record_supersedes_the_curated_one_in_the_union_and_after_a_build(
    tmp_path: Path,
) -> None:
    store_path = tmp_path / "store"
    build(store_path)
    context = EmbeddedStore.open(store_path)
    triples = [
        ox.Triple(t.subject, t.predicate, ox.NamedNode(AQKG + "Unverified"))
        if t.predicate.value == AQKG + "curationStatus"
        else t
        for t in _redescribed(context, TESDA)
    ]
    del context
    path = tmp_path / "tesda.nt"
    path.write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
    publish(path, "PH", store_path)

    store = EmbeddedStore.open(store_path)
    assert _statuses(store, TESDA) == [AQKG + "Unverified"]
    # the rest of the curated file is still there: its ASEAN occupations, its other ministries
    assert _statuses(store, ID + "org/LA/MOLSW") == [AQKG + "Verified"]
    assert published_graph("PH") in store.graph_names()
    del store

    summary, rebuilt = build(store_path)  # reloads the curated files: supersedes again
    assert summary.report.conforms, summary.report.findings
    assert _statuses(rebuilt, TESDA) == [AQKG + "Unverified"]


@pytest.mark.parametrize(
    ("record", "prop", "second"),
    [
        (TESDA, "curationStatus", "Illustrative"),
        (ID + "referencing/PH/PQF-AQRF", "referencingStatus", "ReferencingInProgress"),
    ],
)
def test_the_build_flags_two_statuses_on_one_record(record: str, prop: str, second: str) -> None:
    store = load_project_files()
    assert not build_check_findings(store)
    store.add_quads(
        [
            ox.Quad(
                ox.NamedNode(record),
                ox.NamedNode(AQKG + prop),
                ox.NamedNode(AQKG + second),
                ox.NamedNode(published_graph("PH")),
            )
        ]
    )
    (finding,) = build_check_findings(store)
    assert finding.focus == record
    assert finding.message.startswith(f"{prop} is both ")
    assert second in finding.message
