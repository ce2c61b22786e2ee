"""The curation policy (docs/curation.md) as checks: the build checks with a planted bug each,
the curation report of `aqkg coverage`, and the shipped records whose curation the checks and
the audit of issue 16 changed.

The shape rules (shapes/curation.ttl) have their fictional failing examples in
tests/shapes/curation/; the build checks (queries/qc/*-violation.rq tagged `build`) need named
graphs and the reasoner, so they are tried here on a copy of the project with one file added.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS, SKOS, XSD

from aqkg.build.checks import build_check_findings, build_check_queries
from aqkg.build.coverage import coverage_matrix, failing_records
from aqkg.build.pipeline import build
from aqkg.cli.main import main
from aqkg.paths import ILLUSTRATIVE_GRAPH, INFERRED_GRAPH, project_root
from aqkg.store.embedded import EmbeddedStore

AQKG = rdflib.Namespace("https://w3id.org/aqkg/ontology#")
ID = "https://w3id.org/aqkg/id/"
COUNTRY = rdflib.Namespace(ID + "country/")
pytest_plugins = ["project_copy"]
PREFIXES = """@prefix aqkg: <https://w3id.org/aqkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@base <https://w3id.org/aqkg/id/> .
"""


@pytest.fixture(scope="module")
def shipped() -> EmbeddedStore:
    summary, store = build(None)
    assert summary.report.conforms, summary.report.findings[:3]
    return store


def plant(project: Path, relative: str, turtle: str) -> None:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# Fictional planted data for aqkg tests.\n" + PREFIXES + turtle, "utf-8")


# ---------------------------------------------------------------------------------------------
# Build checks
# ---------------------------------------------------------------------------------------------


def test_the_build_runs_every_curation_check() -> None:
    names = {path.name for path in build_check_queries()}
    assert names == {
        "curation-borrowed-status-violation.rq",
        "curation-derived-link-violation.rq",
        "one-status-per-record-violation.rq",
    }


def test_the_shipped_data_passes_every_build_check(shipped: EmbeddedStore) -> None:
    assert build_check_findings(shipped) == []


def test_a_file_borrowing_another_files_curation_status_fails_the_build(
    project_copy: Path,
) -> None:
    # TESDA is curated in data/countries/ph/nqf.ttl; a second file adds a name and no status.
    plant(project_copy, "data/countries/ph/extra.ttl", '<org/PH/TESDA> skos:altLabel "T"@en .\n')
    summary, _ = build(None)
    assert not summary.report.conforms
    [finding] = [f for f in summary.report.findings if f.severity == "Violation"]
    assert finding.focus == ID + "org/PH/TESDA"
    assert finding.shape == "queries/qc/curation-borrowed-status-violation.rq"
    assert finding.message.startswith(
        "the file data/countries/ph/extra describes this record but gives no curation status"
    )


def test_a_derived_link_from_a_real_record_to_an_illustrative_one_fails_the_build(
    project_copy: Path,
) -> None:
    # The data files link illustrative -> real only (allowed), but partOfStandard's inverse
    # makes the reasoner derive `verified standard aqkg:hasUnit illustrative unit`.
    plant(
        project_copy,
        "data/regional/extra.ttl",
        """<unit/ASEAN/ILLUS-X-01> a aqkg:CompetencyUnit ;
    skos:prefLabel "A made-up unit (test)"@en ;
    aqkg:partOfStandard <standard/ASEAN/RMCS-GARMENT> ;
    aqkg:modelledOn <source/rmcs-garment-2016> ;
    aqkg:curationStatus aqkg:Illustrative .
""",
    )
    summary, _ = build(None)
    derived = [f for f in summary.report.findings if f.shape and "derived" in f.shape]
    assert [f.focus for f in derived] == [ID + "standard/ASEAN/RMCS-GARMENT"]
    assert "hasUnit> from this real record to the illustrative record" in derived[0].message
    assert ID + "unit/ASEAN/ILLUS-X-01" in derived[0].message
    assert not summary.report.conforms


def test_illustrative_skos_matches_live_in_their_own_graph(shipped: EmbeddedStore) -> None:
    match = "http://www.w3.org/2004/02/skos/core#exactMatch"
    inferred = {(q.subject.value, q.object.value) for q in shipped.quads(INFERRED_GRAPH)}
    illustrative = [q for q in shipped.quads(ILLUSTRATIVE_GRAPH) if q.predicate.value == match]
    assert illustrative, "the illustrative mapping records give exact matches"
    assert not {(q.subject.value, q.object.value) for q in illustrative} & inferred
    # a verified TESDA unit is matched to an illustrative RMCS unit only in that graph, and
    # from the illustrative side: no triple there has a real subject
    pairs = {(q.subject.value, q.object.value) for q in illustrative}
    assert (ID + "unit/ASEAN/ILLUS-BRK-01", ID + "unit/PH/CON712301") in pairs
    made_up = {
        q.subject.value
        for q in shipped.quads()
        if q.predicate.value == str(AQKG.curationStatus)
        and q.object.value == str(AQKG.Illustrative)
    }
    assert {q.subject.value for q in shipped.quads(ILLUSTRATIVE_GRAPH)} <= made_up


# ---------------------------------------------------------------------------------------------
# The curation report
# ---------------------------------------------------------------------------------------------


def test_coverage_counts_every_status_and_the_records_failing_no_rule(
    shipped: EmbeddedStore,
) -> None:
    matrix = coverage_matrix(shipped, failing_records(shipped))
    ph_units = matrix["PH"]["units"]
    assert ph_units.records == ph_units.verified + ph_units.unverified + ph_units.illustrative
    assert ph_units.failing == 0 and ph_units.passing == ph_units.records
    th_mappings = matrix["TH"]["mappings"]
    assert th_mappings.illustrative == th_mappings.records > 0


def test_coverage_names_a_record_that_breaks_a_rule(project_copy: Path) -> None:
    # a verified Thai referencing with a recorded conflict: a curation violation
    plant(
        project_copy,
        "data/countries/th/nqf.ttl",
        (project_copy / "data/countries/th/nqf.ttl")
        .read_text("utf-8")
        .split("\n", 1)[1]
        .replace(
            "aqkg:referencingStatus aqkg:ReferencingEndorsed ;",
            'aqkg:referencingStatus aqkg:ReferencingEndorsed ;\n    aqkg:sourceConflict "x"@en ;',
        ),
    )
    _, store = build(None, allow_invalid=True)
    failing = failing_records(store)
    assert ID + "referencing/TH/TNQF-AQRF" in failing
    cell = coverage_matrix(store, failing)["TH"]["referencing"]
    assert (cell.records, cell.failing, cell.passing) == (1, 1, 0)


def test_coverage_report_in_every_format(
    shipped: EmbeddedStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["coverage", "--memory", "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out
    assert "Curation report (docs/curation.md):" in markdown
    assert (
        "| state | kind | records | verified | unverified | illustrative | failing no rule |"
        in (markdown)
    )
    assert main(["coverage", "--memory", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload["PH"]["units"]) == {
        "records",
        "verified",
        "unverified",
        "illustrative",
        "failing",
        "failing_no_rule",
    }
    assert main(["coverage", "--memory"]) == 0
    assert "curation report (docs/curation.md):" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# The records the audit changed (issue 16)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted((project_root() / "data").rglob("*.ttl")):
        if path.relative_to(project_root() / "data").parts[0] not in ("examples", "templates"):
            graph.parse(path, format="turtle")
    return graph


def arrangement(name: str) -> rdflib.URIRef:
    return rdflib.URIRef(f"{ID}arrangement/ASEAN/{name}")


def test_the_mrs_parties_are_the_eight_its_sources_name(data: rdflib.Graph) -> None:
    parties = set(data.objects(arrangement("mrs"), AQKG.party))
    assert len(parties) == 8
    assert COUNTRY.BN not in parties and COUNTRY.SG not in parties


def test_the_tourism_mra_was_first_signed_in_hanoi_in_january_2009(data: rdflib.Graph) -> None:
    mra = arrangement("mra-tourism")
    assert data.value(mra, AQKG.signedDate) == rdflib.Literal("2009-01", datatype=XSD.gYearMonth)
    assert str(data.value(mra, AQKG.signedPlace)).startswith("Hanoi")
    assert "9 November 2012" in str(data.value(mra, SKOS.historyNote))


def test_the_nursing_mra_gives_the_month_the_sources_agree_on(data: rdflib.Graph) -> None:
    mra = arrangement("mra-nursing")
    assert data.value(mra, AQKG.signedDate) == rdflib.Literal("2006-12", datatype=XSD.gYearMonth)
    assert data.value(mra, AQKG.sourceConflict) is not None
    assert data.value(mra, AQKG.curationStatus) == AQKG.Unverified


def test_a_recorded_conflict_leaves_the_medical_mra_unverified(data: rdflib.Graph) -> None:
    mra = arrangement("mra-medical")
    assert data.value(mra, AQKG.sourceConflict) is not None
    assert data.value(mra, AQKG.curationStatus) == AQKG.Unverified


def test_thailands_referencing_is_endorsed_with_its_sources(data: rdflib.Graph) -> None:
    referencing = rdflib.URIRef(ID + "referencing/TH/TNQF-AQRF")
    assert data.value(referencing, AQKG.referencingStatus) == AQKG.ReferencingEndorsed
    sources = {str(s) for s in data.objects(referencing, DCTERMS.source)}
    assert ID + "source/nqf-th-moe-aqrfc7-2019" in sources


def test_molvt_is_described_once_and_not_as_an_awarding_body(data: rdflib.Graph) -> None:
    molvt = rdflib.URIRef(ID + "org/KH/MOLVT")
    assert (molvt, rdflib.RDF.type, AQKG.AwardingBody) not in data
    assert list(data.objects(molvt, AQKG.curationStatus)) == [AQKG.Verified]


def test_rmcs_sectors_and_volumes_follow_one_rule(data: rdflib.Graph) -> None:
    leaflet = rdflib.URIRef(ID + "source/mrs-ilo-leaflet-2019")
    sectors = {s for s in data.subjects(rdflib.RDF.type, AQKG.Sector) if str(s).startswith(ID)}
    named = {s for s in sectors if (s, DCTERMS.source, leaflet) in data}
    assert len(named) == 9
    assert {data.value(s, AQKG.curationStatus) for s in named} == {AQKG.Verified}


def test_every_occupation_with_an_isco_link_is_unverified(data: rdflib.Graph) -> None:
    linked = set(data.subjects(AQKG.iscoGroup, None))
    assert linked
    assert {data.value(o, AQKG.curationStatus) for o in linked} == {AQKG.Unverified}
