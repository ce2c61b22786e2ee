"""The real unit-level data of the Tourism MRA (issue 12): the ACCSTP (data/regional/accstp.ttl),
TESDA's tourism qualifications (data/countries/ph/tourism/, a submission folder the build
ingests), the MRA on Tourism Professionals as a recognition basis, and Timor-Leste.

Spot checks compare codes and titles with the pages cited as sources (data/sources/accstp.ttl,
data/countries/ph/tourism/sources.csv); counts and structure are asserted on the built graph.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from aqkg.build.coverage import coverage_matrix
from aqkg.build.pipeline import build
from aqkg.cli.main import main
from aqkg.intake.rdf_input import UnusableInputError
from aqkg.recognition.engine import Certification, Recognition, format_recognition, recognise
from aqkg.sparql.member_states import member_state_codes
from aqkg.store.embedded import EmbeddedStore

ID = "https://w3id.org/aqkg/id/"
AQKG = "https://w3id.org/aqkg/ontology#"
ACCSTP = ID + "standard/ASEAN/ACCSTP"
pytest_plugins = ["project_copy"]
PREFIXES = f"PREFIX aqkg: <{AQKG}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    summary, built = build(None)
    assert summary.report.conforms
    return built


def values(store: EmbeddedStore, query: str) -> list[list[str]]:
    result = store.select(PREFIXES + query)
    return [[term.value if term is not None else "" for term in row] for row in result.rows]


def one(store: EmbeddedStore, query: str) -> str:
    [[value]] = values(store, query)
    return value


# ---------------------------------------------------------------------------------------------
# The ACCSTP
# ---------------------------------------------------------------------------------------------


def test_at_least_150_accstp_units_with_their_codes(store: EmbeddedStore) -> None:
    count = one(
        store,
        f"SELECT (COUNT(DISTINCT ?u) AS ?n) WHERE {{ ?u aqkg:partOfStandard <{ACCSTP}> ; "
        "skos:notation ?code "
        "FILTER(REGEX(?code, '^D[12]\\\\.[A-Z]{3}\\\\.CL[0-9]+\\\\.[0-9]{2}$')) }",
    )
    assert int(count) >= 150


def test_every_accstp_unit_is_in_exactly_one_cluster_of_the_accstp(store: EmbeddedStore) -> None:
    rows = values(
        store,
        f"SELECT ?u (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?u aqkg:partOfStandard <{ACCSTP}> "
        "OPTIONAL { ?u aqkg:inCluster ?c . ?c aqkg:clusterOf ?s } } GROUP BY ?u",
    )
    assert rows and {n for _, n in rows} == {"1"}
    # the cluster is the code before the unit number
    mismatched = values(
        store,
        f"SELECT ?u WHERE {{ ?u aqkg:partOfStandard <{ACCSTP}> ; skos:notation ?code ; "
        "aqkg:inCluster/skos:notation ?cluster FILTER(!STRSTARTS(?code, CONCAT(?cluster, '.'))) }",
    )
    assert mismatched == []


@pytest.mark.parametrize(
    ("code", "title"),
    [
        # the ACCSTP menu of hotel services (cluster 1, restaurant services common core)
        ("D1.HRS.CL1.02", "Apply standard safety procedures for handling foodstuffs"),
        ("D1.HRS.CL1.16", "Receive and store kitchen supplies and food stock"),
        # toolbox covers
        ("D1.HHK.CL3.03", "Clean and prepare rooms for incoming guests"),
        ("D1.HFO.CL2.01", "Receive and process reservations"),
        ("D2.TTA.CL2.17", "Receive and process reservations"),
        ("D2.TTA.CL2.06", "Construct and ticket domestic airfares"),
        ("D1.HBS.CL5.06", "Prepare and serve cocktails"),
        ("D2.TTG.CL3.01", "Work as a tour guide"),
    ],
)
def test_accstp_codes_and_titles_as_the_sources_give_them(
    store: EmbeddedStore, code: str, title: str
) -> None:
    unit = f"<{ID}unit/ASEAN/{code}>"
    assert one(store, f"SELECT ?t WHERE {{ {unit} skos:prefLabel ?t }}") == title
    assert one(store, f"SELECT ?s WHERE {{ {unit} aqkg:curationStatus ?s }}") == AQKG + "Verified"


def test_codes_printed_together_are_one_unit_by_a_source_statement(store: EmbeddedStore) -> None:
    record = ID + "mapping/ASEAN/accstp-D1.HFO.CL2.01-D2.TTA.CL2.17"
    rows = values(
        store,
        f"SELECT ?p ?j ?s WHERE {{ <{record}> aqkg:mappingPredicate ?p ; "
        "aqkg:mappingJustification ?j ; aqkg:curationStatus ?s }",
    )
    assert rows == [[AQKG + "ExactMatch", AQKG + "SourceStatement", AQKG + "Verified"]]


def test_a_code_printed_with_two_titles_is_recorded_as_a_conflict(store: EmbeddedStore) -> None:
    unit = f"<{ID}unit/ASEAN/D1.HCC.CL2.01>"
    conflict = one(store, f"SELECT ?c WHERE {{ {unit} aqkg:sourceConflict ?c }}")
    assert "Apply catering control principles and procedures" in conflict
    assert one(store, f"SELECT ?s WHERE {{ {unit} aqkg:curationStatus ?s }}") == AQKG + "Unverified"


def test_six_divisions_and_32_job_titles_each_in_one_division(store: EmbeddedStore) -> None:
    assert one(store, "SELECT (COUNT(?d) AS ?n) WHERE { ?d a aqkg:LabourDivision }") == "6"
    rows = values(
        store,
        "SELECT ?j (COUNT(?d) AS ?n) WHERE { ?j aqkg:inDivision ?d ; a aqkg:Occupation ; "
        f"skos:prefLabel ?l FILTER(STRSTARTS(STR(?j), '{ID}occupation/ASEAN/accstp-')) }} "
        "GROUP BY ?j",
    )
    assert len(rows) == 32 and {n for _, n in rows} == {"1"}


def test_job_titles_are_linked_to_isco_groups_as_judgements(store: EmbeddedStore) -> None:
    rows = values(
        store,
        "SELECT ?j ?code ?s WHERE { ?j aqkg:inDivision ?d ; aqkg:iscoGroup/skos:notation ?code ; "
        "aqkg:curationStatus ?s }",
    )
    linked = {j.rsplit("/", 1)[1]: code for j, code, _ in rows}
    assert linked["accstp-room-attendant"] == "9112"
    assert linked["accstp-receptionist"] == "4224"
    assert linked["accstp-bartender"] == "5132"
    assert len(linked) >= 20
    assert {s for *_, s in rows} == {AQKG + "Unverified"}


def test_the_tourism_mra_certifies_against_the_accstp_with_its_national_boards(
    store: EmbeddedStore,
) -> None:
    mra = f"<{ID}arrangement/ASEAN/mra-tourism>"
    assert one(store, f"SELECT ?s WHERE {{ {mra} aqkg:certifiesAgainst ?s }}") == ACCSTP
    bodies = {
        row[0] for row in values(store, f"SELECT ?b WHERE {{ {mra} aqkg:certificationBody ?b }}")
    }
    assert bodies == {ID + "org/PH/TESDA", ID + "org/VN/VTCB"}
    assert (
        one(store, f"SELECT ?b WHERE {{ {mra} aqkg:implementingBody ?b }}") == ID + "org/PH/TIBFI"
    )


# ---------------------------------------------------------------------------------------------
# TESDA's tourism qualifications, through the submission pipeline
# ---------------------------------------------------------------------------------------------


def test_tesda_tourism_qualifications_are_ingested_from_their_folder(store: EmbeddedStore) -> None:
    graph = "https://w3id.org/aqkg/graph/data/countries/ph/tourism"
    assert graph in store.graph_names()
    qualification = f"<{ID}qualification/PH/HOUSEKEEPING-NC-II>"
    rows = values(
        store,
        f"SELECT ?title ?level ?status WHERE {{ GRAPH <{graph}> {{ {qualification} "
        "skos:prefLabel ?title ; aqkg:hasLevel ?level ; aqkg:curationStatus ?status } }",
    )
    assert rows == [["Housekeeping NC II", ID + "level/PH/PQF-2", AQKG + "Verified"]]
    units = values(
        store, f"SELECT ?c WHERE {{ {qualification} aqkg:requiresUnit/skos:notation ?c }}"
    )
    assert {"TRS5123111", "TRS5123112"} <= {code for [code] in units}
    title = one(store, f"SELECT ?t WHERE {{ <{ID}unit/PH/TRS5123112> skos:prefLabel ?t }}")
    assert title == "Clean and prepare rooms for incoming guests"


def test_tesda_to_accstp_mappings_say_how_they_were_made_and_are_never_verified(
    store: EmbeddedStore,
) -> None:
    rows = values(
        store,
        "SELECT ?r ?j ?s ?note WHERE { ?r a aqkg:MappingRecord ; aqkg:mappingSubject ?u ; "
        "aqkg:mappingObject/aqkg:partOfStandard ?std ; aqkg:mappingJustification ?j ; "
        "aqkg:curationStatus ?s ; aqkg:justificationNote ?note "
        f"FILTER(?std = <{ACCSTP}> && STRSTARTS(STR(?u), '{ID}unit/PH/')) }}",
    )
    assert len(rows) >= 40
    assert {s for _, _, s, _ in rows} == {AQKG + "Unverified"}
    assert {j for _, j, _, _ in rows} <= {AQKG + "LexicalMatching", AQKG + "ManualMappingCuration"}
    assert all(note for *_, note in rows)


def test_a_bad_cell_in_a_curated_folder_stops_the_build_naming_the_cell(
    project_copy: Path,
) -> None:
    units = project_copy / "data/countries/ph/tourism/units.csv"
    lines = units.read_text("utf-8").splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",checked"  # row 4: an unknown curation status
    units.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(UnusableInputError, match=r"units\.csv, row 4, column curation_status"):
        build(None)


def test_a_shape_finding_on_a_curated_folder_names_its_file_row_and_column(
    project_copy: Path,
) -> None:
    units = project_copy / "data/countries/ph/tourism/units.csv"
    text = units.read_text("utf-8")
    units.write_text(text.replace(",TR-HOUSEKEEPING-NC-II,", ",TR-NO-SUCH-STANDARD,", 1), "utf-8")
    summary, _ = build(None)
    [finding] = [f for f in summary.report.findings if f.severity == "Violation"]
    assert finding.message.startswith("data/countries/ph/tourism/units.csv, row ")
    assert ", column standard: " in finding.message


# ---------------------------------------------------------------------------------------------
# Recognition on the MRA-TP
# ---------------------------------------------------------------------------------------------


def room_attendant(rec: Recognition) -> Certification:
    first = rec.certifications[0]
    assert first.job_title == ID + "occupation/ASEAN/accstp-room-attendant"
    return first


@pytest.mark.parametrize(("country", "name"), [("TH", "Thailand"), ("VN", "Viet Nam")])
def test_a_verified_philippine_tourism_qualification_has_a_real_path_on_the_mra_tp(
    store: EmbeddedStore, country: str, name: str
) -> None:
    rec = recognise(store, "PH/HOUSEKEEPING-NC-II", country)
    assert rec.held.curation == "verified"
    path = room_attendant(rec)
    assert (path.coverage.covered, path.coverage.total, path.coverage.weakest) == (5, 5, "close")
    assert path.dependence.illustrative == 0  # no illustrative step
    assert path.arrangement.iri == ID + "arrangement/ASEAN/mra-tourism"
    assert path.certification_bodies == ("Technical Education and Skills Development Authority",)
    assert path.statement.endswith(f"subject to {name}'s domestic law")
    assert f"recognised in {name} as an ASEAN Tourism Professional" in path.statement
    kinds = [s.kind for s in path.steps]
    assert kinds[:4] == ["qualification", "mra", "job-title", "certification-body"]
    assert "certification paths below" in rec.arrangement_statement


def test_the_mra_tp_path_in_every_output_format(store: EmbeddedStore) -> None:
    rec = recognise(store, "PH/HOUSEKEEPING-NC-II", "TH")
    table = format_recognition(rec, "table")
    assert "C1. ACCSTP job title: Room Attendant (Housekeeping)" in table
    assert "units the job title requires, covered by the held qualification: 5 of 5" in table
    markdown = format_recognition(rec, "markdown")
    assert "## Certification paths" in markdown
    assert "### C1. ACCSTP job title: Room Attendant (Housekeeping)" in markdown
    payload = json.loads(format_recognition(rec, "json"))
    first = payload["certifications"][0]
    assert first["job_title_name"] == "Room Attendant"
    assert first["coverage"]["covered"] == 5 and first["dependence"]["illustrative"] == 0


def test_a_missing_unit_is_named_on_a_certification_path(store: EmbeddedStore) -> None:
    rec = recognise(store, "PH/HOUSEKEEPING-NC-II", "TH")
    bell_boy = next(c for c in rec.certifications if c.job_title_name == "Bell Boy")
    assert [m.unit.code for m in bell_boy.coverage.missing] == ["D1.HFO.CL2.07"]


def test_no_certification_path_without_a_common_arrangement(store: EmbeddedStore) -> None:
    # Timor-Leste is a party of no MRA: no MRA-TP path leads there
    rec = recognise(store, "PH/HOUSEKEEPING-NC-II", "TL")
    assert rec.certifications == ()
    assert rec.to_country_name == "Timor-Leste"


# ---------------------------------------------------------------------------------------------
# Coverage and the eleven member states
# ---------------------------------------------------------------------------------------------


def test_at_least_60_percent_of_competency_units_are_verified(store: EmbeddedStore) -> None:
    matrix = coverage_matrix(store)
    units = [row["units"] for row in matrix.values()]
    records = sum(c.records for c in units)
    assert sum(c.verified for c in units) / records >= 0.6
    assert matrix["ASEAN"]["units"].records >= 150 + 19  # the ACCSTP beside the RMCS
    assert matrix["ASEAN"]["mappings"].verified > 0  # ACCSTP codes of one unit


def test_the_eleven_member_states_everywhere(
    store: EmbeddedStore, capsys: pytest.CaptureFixture[str]
) -> None:
    codes = {
        r[0] for r in values(store, "SELECT ?c WHERE { ?s a aqkg:MemberState ; skos:notation ?c }")
    }
    assert len(codes) == 11 and "TL" in codes
    assert set(member_state_codes()) == codes
    assert "TL" in coverage_matrix(store)
    assert main(["query", "--memory", "recognition-member-states", "--format", "csv"]) == 0
    assert "TL,Timor-Leste" in capsys.readouterr().out


def test_timor_lestes_framework_and_unknown_referencing(store: EmbeddedStore) -> None:
    framework = f"<{ID}framework/TL/SNQ>"
    assert one(store, f"SELECT ?n WHERE {{ {framework} aqkg:levelCount ?n }}") == "10"
    status = one(
        store,
        f"SELECT ?s WHERE {{ ?r aqkg:referencedFramework {framework} ; "
        "aqkg:referencingStatus ?s }",
    )
    assert status == AQKG + "ReferencingStatusUnknown"
    parties = values(store, f"SELECT ?a WHERE {{ ?a aqkg:party <{ID}country/TL> }}")
    assert parties == []  # no source names Timor-Leste a party of any arrangement


@pytest.fixture
def template_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "tl"


def test_a_template_for_timor_leste(template_dir: Path) -> None:
    assert main(["template", "--country", "TL", "-o", str(template_dir)]) == 0
    about = (template_dir / "about.csv").read_text("utf-8")
    assert "country,TL" in about
