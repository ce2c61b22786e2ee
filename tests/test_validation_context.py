"""A submission replaces exactly the records it describes; the rest of every file stays in the
validation context (issue 17, item 1).

Each case re-describes one record that a curated file holds beside records it points to (a
level beside its framework, a unit beside its standard, an organisation beside the ASEAN
occupations of data/regional/mrs.ttl): dropping the whole file would leave those dangling.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from test_ingest import Rows, make_workbook

from aqkg.intake.project_files import load_project_files
from aqkg.store.embedded import EmbeddedStore
from aqkg.submissions.sheet_report import validate_spreadsheet
from aqkg.validation.validate import validate_files

ID = "https://w3id.org/aqkg/id/"
PREF_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")


@pytest.fixture(scope="module")
def context() -> EmbeddedStore:
    return load_project_files()


def _redescribed(context: EmbeddedStore, record: str) -> list[ox.Triple]:
    """The record as the graph holds it (with its blank nodes), under a revised name."""
    by_subject: dict[object, list[ox.Quad]] = {}
    for quad in context.quads():
        by_subject.setdefault(quad.subject, []).append(quad)
    found: list[ox.Triple] = []
    frontier: list[object] = [ox.NamedNode(record)]
    while frontier:
        for quad in by_subject.get(frontier.pop(), []):
            if isinstance(quad.object, ox.BlankNode):
                frontier.append(quad.object)
            revised = ox.Literal("Revised", language="en")
            obj = revised if quad.predicate == PREF_LABEL else quad.object
            found.append(ox.Triple(quad.subject, quad.predicate, obj))
    return found


@pytest.mark.parametrize(
    "record",
    [
        ID + "org/PH/TESDA",  # described by data/regional/mrs.ttl
        ID + "framework/PH/PQF",
        ID + "level/PH/PQF-3",  # its framework stays
        ID + "qualification/PH/MASONRY-NC-II",
        ID + "standard/PH/TESDA-BASIC-NC-I",
        ID + "unit/PH/500311101",  # its standard stays
        ID + "occupation/PH/dressmaker",
    ],
)
def test_a_revised_record_replaces_only_itself(
    tmp_path: Path, context: EmbeddedStore, record: str
) -> None:
    triples = _redescribed(context, record)
    assert len(triples) > 3
    path = tmp_path / "revision.nt"
    path.write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
    report = validate_files([path], context, "PH")
    # neither a dangling link (the rest of its file is there) nor two names (its old one is not)
    assert not report.findings, [f.message for f in report.findings]


def _shared_organisation_and_asean_occupation(rows: Rows) -> None:
    rows["organisations"].append(
        {
            "code": "TESDA",
            "title_en": "Technical Education and Skills Development Authority",
            "acronym": "TESDA",
            "roles": "awarding body; competent authority",
            "source": "aqkg-test-fictional-ph",
            "curation_status": "illustrative",
        }
    )
    for row in rows["qualifications"]:
        row["occupation"] = "ASEAN/bricklayer"


def test_a_workbook_redescribing_a_shared_organisation_keeps_the_asean_occupations(
    tmp_path: Path, context: EmbeddedStore
) -> None:
    path = make_workbook(tmp_path / "ph.xlsx", context, _shared_organisation_and_asean_occupation)
    report, ingested = validate_spreadsheet(path, context)
    assert ID + "org/PH/TESDA" in {t.subject.value for t in ingested.triples}
    assert not [f for f in report.findings if f.severity == "Violation"], report.findings
