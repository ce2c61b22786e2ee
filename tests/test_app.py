"""The Streamlit explorer, driven page by page with streamlit.testing (AppTest), and the data
access behind it (aqkg.explore). Facts asserted come from the shipped data."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from aqkg import explore
from aqkg.build.pipeline import build
from aqkg.recognition.engine import recognise
from aqkg.store.embedded import EmbeddedStore
from aqkg.store.endpoint import EndpointStore

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "app" / "main.py"
SUBMISSIONS = REPO / "tests" / "fixtures" / "submissions"
SPREADSHEETS = REPO / "tests" / "fixtures" / "spreadsheets"
ID = "https://w3id.org/aqkg/id/"

pytest_plugins = ["virtuoso_fixture"]  # Virtuoso starts only for the endpoint test


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A store built from the shipped data, which the app is pointed at through AQKG_STORE."""
    path = tmp_path_factory.mktemp("explorer") / "store"
    summary, _ = build(path)
    assert summary.written
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(explore.STORE_ENV, str(path))
        yield path


@pytest.fixture(scope="module")
def store(store_path: Path) -> EmbeddedStore:
    return explore.open_store(store_path)


def open_page(page: str, **params: str) -> AppTest:
    """Run the app, switch to `page` (a file under app/views) with URL parameters."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    if page != "overview":
        at.switch_page(f"views/{page}.py")
    at.query_params.update(params)
    at.run()
    assert_no_traceback(at)
    return at


def assert_no_traceback(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def table(at: AppTest, index: int = 0) -> list[dict[str, object]]:
    records: list[dict[str, object]] = at.dataframe[index].value.to_dict("records")
    return records


def texts(elements: object) -> list[str]:
    return [str(e.value) for e in elements]  # type: ignore[attr-defined]


# -- Overview ------------------------------------------------------------------------------------


def test_overview_lists_the_eleven_member_states_with_their_referencing(store_path: Path) -> None:
    at = open_page("overview")
    states = {row["state"]: row for row in table(at)}
    assert sorted(states) == ["BN", "ID", "KH", "LA", "MM", "MY", "PH", "SG", "TH", "TL", "VN"]
    assert states["PH"]["AQRF referencing"] == "endorsed"
    assert states["PH"]["since"] == "2019-05-22"
    assert states["PH"]["NQF"] == "PQF"
    assert states["PH"]["framework"] == "in force"
    assert states["TH"]["AQRF referencing"] == "endorsed"
    assert states["TH"]["name"] == "Thailand (ไทย [th])"  # the national-language label
    assert states["TL"]["AQRF referencing"] == "status unknown"
    assert states["TL"]["MRAs"] == 0
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Member states"] == "11"
    assert metrics["MRAs"] == "8"
    assert metrics["MRS corridors"] == "5"
    assert any("Last data update: store built" in c for c in texts(at.caption))
    network = at.get("graphviz_chart")[0].proto.spec
    assert '"KH" -- "TH"' in network or '"TH" -- "KH"' in network
    edges = [line for line in network.splitlines() if " -- " in line]
    assert edges and not any("label=" in line for line in edges)  # labels overlapped
    corridors = {r["corridor"]: r["links"] for r in table(at, 2)}
    assert corridors["building electrical wiring"] == "KH, TH"
    assert len(corridors) == int(metrics["MRS corridors"])


def test_overview_shows_the_curation_report(store_path: Path) -> None:
    at = open_page("overview")
    assert "Curation report" in texts(at.subheader)
    report = table(at, 1)
    rows = {(r["state"], r["kind of record"]): r for r in report}
    accstp_units = rows[("ASEAN", "units")]
    assert accstp_units["records"] >= 150
    assert accstp_units["records"] == (
        accstp_units["verified"] + accstp_units["unverified"] + accstp_units["illustrative"]
    )
    assert accstp_units["failing no rule"] == accstp_units["records"]
    assert rows[("TL", "levels")]["records"] == 10


def test_overview_says_how_to_build_when_there_is_no_store(
    store_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(explore.STORE_ENV, str(tmp_path / "nothing-here"))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert_no_traceback(at)
    assert "run `aqkg build` first" in at.error[0].value
    assert not at.dataframe


def test_a_failing_page_shows_one_line_never_a_traceback(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def member_states(store: EmbeddedStore) -> None:
        raise RuntimeError("the graph is\nunreadable")

    st.cache_data.clear()
    monkeypatch.setattr(explore, "member_states", member_states)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    st.cache_data.clear()
    assert_no_traceback(at)
    assert texts(at.error) == ["This page could not be shown: the graph is unreadable"]


# -- Frameworks ----------------------------------------------------------------------------------


def test_frameworks_shows_the_eight_aqrf_levels_beside_chosen_countries(store_path: Path) -> None:
    at = open_page("frameworks", countries="PH,ID")
    side_by_side = table(at, 0)
    aqrf = [row["AQRF"] for row in side_by_side if row["AQRF"]]
    assert aqrf == [f"AQRF level {n}" for n in range(1, 9)]
    assert {"AQRF", "ID IQF", "PH PQF"} <= set(side_by_side[0])
    assert side_by_side[0]["ID IQF"] == "KKNI level 1 (Jenjang 1 [id]) (own rank)"
    expanders = [e.label for e in at.expander]
    assert "AQRF — ASEAN Qualifications Reference Framework: 8 levels" in expanders
    aqrf_levels = table(at, 1)
    assert len(aqrf_levels) == 8
    assert "Knowledge and skills:" in str(aqrf_levels[0]["descriptors"])
    markdown = "\n".join(texts(at.markdown))
    assert "referencing endorsed on 2019-05-22" in markdown
    assert "tesda.gov.ph/News/Details/17922" in markdown  # the PH referencing report's source
    ladder = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert ladder["layer"][0]["encoding"]["y"]["title"] == "AQRF level"


def test_frameworks_follows_the_country_picker(store_path: Path) -> None:
    at = open_page("frameworks")
    at.multiselect(key="fw_countries").set_value(["TH"]).run()
    assert_no_traceback(at)
    assert at.query_params["countries"] == "TH"
    assert "AQRF referencing: **referencing endorsed in 2019-10**" in "\n".join(texts(at.markdown))
    assert set(table(at, 0)[0]) == {"AQRF level", "AQRF", "TH NQF"}


# -- Qualifications ------------------------------------------------------------------------------


def test_qualifications_search_by_isco_code_and_filter_by_country(store_path: Path) -> None:
    at = open_page("qualifications")
    at.text_input(key="q_search").set_value("7411").run()
    found = {row["reference"] for row in table(at)}
    assert found == {"KH/ILLUS-BEW", "PH/EIM-NC-II", "TH/DSD-BEW-L1"}
    at.multiselect(key="q_countries").set_value(["PH"]).run()
    assert [row["reference"] for row in table(at)] == ["PH/EIM-NC-II"]
    at.multiselect(key="q_levels").set_value(["2"]).run()
    assert_no_traceback(at)
    assert any("no member state's NQF-to-AQRF level pairings" in i for i in texts(at.info))


def test_qualification_detail_from_a_deep_link(store_path: Path) -> None:
    at = open_page("qualifications", qualification="PH/EIM-NC-II")
    markdown = "\n".join(texts(at.markdown))
    assert "**Level:** PQF level 2 of the Philippine Qualifications Framework" in markdown
    assert "**Awarding body:** Technical Education and Skills Development Authority" in markdown
    tables = [table(at, i) for i in range(len(at.dataframe))]
    occupations = next(t for t in tables if t and "occupation" in t[0])
    assert occupations == [
        {
            "occupation": "Building electrician",
            "ISCO-08 unit group": "7411",
            "linked through": "qualification, standard",
        }
    ]
    units = next(t for t in tables if t and "code" in t[0])
    assert len(units) == 12 and {"500311105", "ELC311201"} <= {u["code"] for u in units}
    mappings = next(t for t in tables if t and "match" in t[0])
    assert any(
        {"unit": "ELC741301", "match": "narrow match"}.items() <= m.items() for m in mappings
    )


def test_an_illustrative_qualification_is_flagged(store_path: Path) -> None:
    at = open_page("qualifications")
    at.selectbox(key="q_detail").set_value("TH/DSD-BEW-L1").run()
    assert at.query_params["qualification"] == "TH/DSD-BEW-L1"
    assert any(w.startswith("Illustrative record") for w in texts(at.warning))


# -- Recognition ---------------------------------------------------------------------------------


def check_th_wiring_to_cambodia(at: AppTest) -> None:
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Basis": "MRS corridor", "Units covered": "4 of 6", "Weakest link": "close"}
    markdown = "\n".join(texts(at.markdown))
    assert "MRS pilot corridor: Thailand with Cambodia in building electrical wiring" in markdown
    tables = [table(at, i) for i in range(len(at.dataframe))]
    matched = next(t for t in tables if t and "matched by" in t[0])
    assert [(m["unit"], m["matched by"], m["relation"]) for m in matched][-1] == (
        "ILLUS-KH-BEW-04",
        "ILLUS-TH-BEW-05",
        "close",
    )
    missing = next(t for t in tables if t and "why" in t[0])
    assert [m["unit"] for m in missing] == ["ILLUS-KH-BEW-05", "ILLUS-KH-BEW-06"]
    assert any("illustrative" in w for w in texts(at.warning))
    path = at.get("graphviz_chart")[0].proto.spec
    assert "ILLUS-KH-BEW-05\\nmissing" in path and 'label="close"' in path
    assert [b.label for b in at.get("download_button")] == [
        "Download JSON",
        "Download CSV",
        "Download Markdown",
    ]


def test_recognition_of_thai_wiring_in_cambodia_chosen_with_the_widgets(store_path: Path) -> None:
    at = open_page("recognition")
    assert any("Choose a qualification you hold" in i for i in texts(at.info))
    at.selectbox(key="rec_held").set_value("TH/DSD-BEW-L1").run()
    at.selectbox(key="rec_to").set_value("KH").run()
    assert_no_traceback(at)
    assert at.query_params["qualification"] == "TH/DSD-BEW-L1"
    assert at.query_params["to"] == "KH"
    check_th_wiring_to_cambodia(at)


def test_recognition_from_a_deep_link(store_path: Path) -> None:
    at = open_page("recognition", qualification="th/dsd-bew-l1", to="kh")
    check_th_wiring_to_cambodia(at)


def test_recognition_downloads_match_the_engine(store: EmbeddedStore) -> None:
    rec = recognise(store, "TH/DSD-BEW-L1", "KH")
    head, *lines = csv.reader(io.StringIO(explore.recognition_csv(rec)))
    assert head == list(explore.RECOGNITION_CSV_COLUMNS)
    by_unit = {line[7]: dict(zip(head, line, strict=True)) for line in lines}
    assert [u["status"] for u in by_unit.values()].count("covered") == 4
    assert by_unit["ILLUS-KH-BEW-06"]["status"] == "missing"
    assert by_unit["ILLUS-KH-BEW-04"]["relation"] == "close"
    assert by_unit["ILLUS-KH-BEW-04"]["via_regional_unit"] == "ILLUS-BEW-05"
    assert {u["target"] for u in by_unit.values()} == {"KH/ILLUS-BEW"}


def test_a_tourism_qualification_has_a_certification_path_on_the_mra_tp(store_path: Path) -> None:
    at = open_page("recognition", qualification="PH/HOUSEKEEPING-NC-II", to="TH")
    assert_no_traceback(at)
    assert "Certification paths" in texts(at.subheader)
    first = at.expander[0]
    assert first.label == "C1. ACCSTP job title: Room Attendant (Housekeeping)"
    path = "\n".join(texts(first.markdown))
    assert "recognised in Thailand as an ASEAN Tourism Professional" in path
    assert "subject to Thailand's domestic law" in path
    assert [m.value for m in first.metric] == ["5 of 5", "close"]
    # the steps say sources, and nothing on this path is illustrative
    steps = next(df for df in first.dataframe if "curation" in df.value.columns).value
    assert "illustrative" not in set(steps["curation"])


def test_recognition_csv_lists_certification_paths(store: EmbeddedStore) -> None:
    rec = recognise(store, "PH/HOUSEKEEPING-NC-II", "VN")
    head, *lines = csv.reader(io.StringIO(explore.recognition_csv(rec)))
    rows = [dict(zip(head, line, strict=True)) for line in lines]
    room = [r for r in rows if r["rank"] == "C1"]
    assert {r["target_title"] for r in room} == {"Room Attendant"}
    assert {r["basis"] for r in room} == {"certification"}
    assert sorted(r["unit"] for r in room) == [
        "D1.HHK.CL3.01",
        "D1.HHK.CL3.03",
        "D1.HOT.CL1.01",
        "D1.HOT.CL1.03",
        "D1.HOT.CL1.04",
    ]


# -- Arrangements and corridors ------------------------------------------------------------------


def test_arrangements_lists_the_eight_mras_and_the_corridors(store_path: Path) -> None:
    at = open_page("arrangements")
    mras = table(at, 0)
    assert len(mras) == 8
    assert {"Architect", "Nurse", "Tourism professional"} <= {m["profession"] for m in mras}
    assert "MRS pilot corridors (5)" in texts(at.subheader)
    markdown = "\n".join(texts(at.markdown))
    assert "**MRS pilot corridor: Thailand with Cambodia in building electrical wiring**" in (
        markdown
    )
    assert "Parties: KH, LA, MM, TH (hub)" in markdown
    progress = [p.proto.text for p in at.get("progress")]
    assert progress and all(t == "Roadmap step reached: not recorded (of 7)" for t in progress)
    roadmap = table(at, 1)
    assert [r["step"] for r in roadmap] == list(range(1, 8))


def test_arrangements_of_singapore_has_no_corridor(store_path: Path) -> None:
    at = open_page("arrangements", country="SG")
    assert len(table(at, 0)) == 8
    assert "MRS pilot corridors (0)" in texts(at.subheader)
    assert "No MRS corridor is recorded for this member state." in texts(at.info)


# -- SPARQL --------------------------------------------------------------------------------------


def run_query(at: AppTest, text: str) -> AppTest:
    at.text_area[0].set_value(text)
    at.button(key="sparql_run").click().run()
    assert_no_traceback(at)
    return at


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "read-only: SPARQL UPDATE"),
        ("LOAD <file:///etc/passwd>", "read-only: SPARQL UPDATE"),
        ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "local file"),
    ],
)
def test_sparql_refuses_updates_service_and_local_files(
    store_path: Path, query: str, expected: str
) -> None:
    at = run_query(open_page("sparql"), query)
    assert len(at.error) == 1
    assert at.error[0].value.startswith("Refused or failed: ")
    assert expected in at.error[0].value
    assert "\n" not in at.error[0].value
    assert not at.dataframe


def test_sparql_runs_a_named_query_with_its_parameter(store_path: Path) -> None:
    at = open_page("sparql", query="referencing-status")
    assert "PREFIX aqkg:" in at.text_area[0].value
    at.text_input(key="sparql_param_referencing-status_country").set_value("PH")
    at.button(key="sparql_run").click().run()
    assert_no_traceback(at)
    rows = table(at)
    assert len(rows) == 1
    assert (rows[0]["code"], rows[0]["status"], rows[0]["statusDate"]) == (
        "PH",
        "referencing endorsed",
        "2019-05-22",
    )
    assert [b.label for b in at.get("download_button")] == ["Download CSV", "Download JSON"]


def test_sparql_reports_a_syntax_error_in_one_line(store_path: Path) -> None:
    at = run_query(open_page("sparql"), "SELECT ?s WHERE { ?s ")
    assert at.error[0].value.startswith("Refused or failed: SPARQL syntax error")


# -- Validate ------------------------------------------------------------------------------------


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="validate_upload").set_value((name, data, "application/octet-stream"))
    at.run(timeout=120)
    assert_no_traceback(at)
    return at


def test_validate_a_broken_turtle_upload_gives_one_line(store_path: Path) -> None:
    at = upload(open_page("validate"), "broken.ttl", (SUBMISSIONS / "broken.ttl").read_bytes())
    assert len(at.error) == 1
    message = at.error[0].value
    assert message.startswith("broken.ttl: not valid Turtle: Parser error at line 3")
    assert "\n" not in message and "/tmp" not in message


def test_validate_groups_findings_by_record(store_path: Path) -> None:
    data = (SUBMISSIONS / "level-of-another-country.ttl").read_bytes()
    at = upload(open_page("validate"), "submission.ttl", data)
    assert texts(at.error) == ["submission.ttl does not conform: 2 violation(s), 0 warning(s)."]
    assert [e.label for e in at.expander] == ["id:qualification/PH/TEST-002 — 2 finding(s)"]
    findings = table(at)
    assert {f["problem"] for f in findings} == {"English name", "level from its own country's NQF"}


def test_validate_a_zip_of_template_csvs(store_path: Path) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for csv_file in sorted((SPREADSHEETS / "ph-fictional").glob("*.csv")):
            zipped.write(csv_file, f"ph-fictional/{csv_file.name}")
    at = upload(open_page("validate"), "ph.zip", archive.getvalue())
    assert texts(at.success) == [
        "ph.zip conforms: 0 violation(s), 0 warning(s); 9 record(s) for PH."
    ]


def test_validate_refuses_an_unknown_file_type(store: EmbeddedStore) -> None:
    with pytest.raises(explore.ExploreError, match=r"^notes.txt: unknown file type \.txt"):
        explore.validate_upload("notes.txt", b"hello", store)


# -- aqkg.explore ----------------------------------------------------------------------------------


def test_hub_and_spoke_corridor_links_only_the_hub(store: EmbeddedStore) -> None:
    bricklaying = ID + "corridor/ASEAN/th-clm-bricklaying-plastering-masonry"
    pairs = {
        (link.a, link.b) for link in explore.corridor_links(store) if link.corridor == bricklaying
    }
    assert pairs == {("TH", "KH"), ("TH", "LA"), ("TH", "MM")}


def test_ladder_places_a_level_by_its_published_pairing() -> None:
    def level(rank: int, pairings: tuple[explore.Pairing, ...] = ()) -> explore.Level:
        return explore.Level(f"urn:l{rank}", rank, f"L{rank}", str(rank), "", "", (), (), pairings)

    def framework(code: str, levels: tuple[explore.Level, ...]) -> explore.Framework:
        return explore.Framework(
            "urn:f",
            code,
            code,
            "XQF",
            (),
            "",
            None,
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            levels,
            (),
            (),
        )

    paired = level(3, (explore.Pairing(4, "close match", "verified"),))
    points = explore.ladder_points(
        [framework("ASEAN", (level(1),)), framework("XA", (paired, level(2)))]
    )
    placed = [(p["framework"], p["rank"], p["height"], p["placed"]) for p in points]
    assert placed == [
        ("AQRF", 1, 1, explore.AQRF_LEVEL),
        ("XA XQF", 3, 4, explore.PLACED_BY_PAIRING),
        ("XA XQF", 2, 2, explore.PLACED_BY_RANK),
    ]


def test_search_matches_words_and_isco_prefixes(store: EmbeddedStore) -> None:
    items = explore.qualifications(store)
    assert [q.reference for q in explore.search_qualifications(items, "masonry nc")] == [
        "PH/MASONRY-NC-I",
        "PH/MASONRY-NC-II",
    ]
    assert {q.reference for q in explore.search_qualifications(items, "753")} == {
        "PH/DRESSMAKING-NC-II"
    }
    tourism = {q.reference for q in explore.search_qualifications(items, sectors=["Tourism"])}
    assert {"PH/LGS-NC-II", "PH/HOUSEKEEPING-NC-II", "PH/TRAVEL-SERVICES-NC-II"} <= tourism


def test_sparql_refusal_refuses_file_iris_only_where_they_are_iris() -> None:
    assert explore.sparql_refusal('SELECT * WHERE { ?s ?p "<file:a.ttl>" } # <file:b>') is None
    # A relative FROM names a graph (resolved against https://w3id.org/aqkg/), never a file.
    for allowed in ("SELECT * FROM <graph/inferred> {}", "SELECT * FROM NAMED <data.ttl> {}"):
        assert explore.sparql_refusal(allowed) is None
    refused = explore.sparql_refusal("SELECT * FROM NAMED <file:data.ttl> WHERE {}")
    assert refused is not None and refused.startswith("the explorer never reads local files")


def test_outcome_json_is_grouped_by_record() -> None:
    finding = explore.FindingRow("Violation", "skos:prefLabel", "English name", "Add one.", "")
    outcome = explore.ValidationOutcome(
        name="x.ttl",
        kind="rdf",
        conforms=False,
        violations=1,
        warnings=0,
        records=(explore.RecordFindings("id:qualification/PH/X", (finding,)),),
        text="DOES NOT CONFORM",
        json='{"violations": 1}',
    )
    payload = json.loads(explore.outcome_json(outcome))
    assert payload["records"][0]["record"] == "id:qualification/PH/X"
    assert payload["records"][0]["findings"][0]["problem"] == "English name"
    assert payload["json"] == {"violations": 1}


def test_streamlit_command_is_headless() -> None:
    command = explore.streamlit_command(8599)
    assert command[1:5] == ["-m", "streamlit", "run", str(APP)]
    assert "--server.headless=true" in command and "--server.port=8599" in command


def test_launch_builds_a_missing_store_then_runs_streamlit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import aqkg.build.pipeline
    import aqkg.explore.launcher

    built: list[Path] = []
    ran: list[tuple[list[str], dict[str, str]]] = []

    def fake_build(path: Path) -> tuple[object, None]:
        built.append(path)
        path.mkdir(parents=True)
        (path / "CURRENT").write_text("")
        return type("Summary", (), {"written": True})(), None

    def fake_call(command: list[str], env: dict[str, str]) -> int:
        ran.append((command, env))
        return 0

    monkeypatch.setattr(aqkg.build.pipeline, "build", fake_build)
    monkeypatch.setattr(aqkg.explore.launcher.subprocess, "call", fake_call)
    store = tmp_path / "store"
    assert explore.launch(store, port=8601) == 0
    assert built == [store]
    command, env = ran[0]
    assert command == explore.streamlit_command(8601)
    assert env[explore.STORE_ENV] == str(store.resolve())


def test_no_sparql_in_the_app() -> None:
    for script in sorted((REPO / "app").rglob("*.py")):
        text = script.read_text(encoding="utf-8")
        assert not any(word in text for word in ("SELECT ", "PREFIX ", "WHERE {")), script


def test_sparql_stops_a_query_at_the_time_limit(store_path: Path) -> None:
    endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with pytest.raises(explore.ExploreError, match=r"stopped after 1 s \(the time limit\)"):
        explore.run_sparql(store_path, endless, timeout_seconds=1.0)


# -- On a SPARQL endpoint (aqkg explore --endpoint URL) ------------------------------------------


def test_every_page_reads_from_the_endpoint_when_one_is_given(
    both_stores: tuple[EmbeddedStore, EndpointStore],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No embedded store at all: the overview and the SPARQL page answer from Virtuoso."""
    _, endpoint = both_stores
    monkeypatch.setenv(explore.STORE_ENV, str(tmp_path / "no-store"))
    monkeypatch.setenv(explore.ENDPOINT_ENV, endpoint.query_url)
    at = open_page("overview")
    assert len(table(at)) == 11
    assert not at.error

    at = open_page("sparql", query="referencing-status")
    at.text_input(key="sparql_param_referencing-status_country").set_value("PH")
    at.button(key="sparql_run").click().run()
    assert_no_traceback(at)
    assert [(r["code"], r["status"]) for r in table(at)] == [("PH", "referencing endorsed")]


def test_launch_on_an_endpoint_passes_it_and_keeps_write_credentials_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`aqkg explore --endpoint URL` starts Streamlit with $AQKG_ENDPOINT set and without the
    write user's password (the explorer only reads); no store is built."""
    import aqkg.explore.launcher

    ran: list[dict[str, str]] = []

    def fake_call(command: list[str], env: dict[str, str]) -> int:
        ran.append(env)
        return 0

    monkeypatch.setenv("AQKG_ENDPOINT_PASSWORD", "secret")
    monkeypatch.setattr(aqkg.explore.launcher.subprocess, "call", fake_call)
    store = tmp_path / "never-built"
    assert explore.launch(store, None, "http://127.0.0.1:9/sparql") == 0
    [env] = ran
    assert env[explore.ENDPOINT_ENV] == "http://127.0.0.1:9/sparql"
    assert "AQKG_ENDPOINT_PASSWORD" not in env and not store.exists()


# -- the plain answer, every destination, bad deep links -------------------------------------


def test_recognition_opens_with_the_plain_answer(store_path: Path) -> None:
    at = open_page("recognition", qualification="TH/DSD-BEW-L1", to="KH")
    headers = texts(at.subheader)
    assert headers.index("In short") < headers.index("Details")
    markdown = " ".join(texts(at.markdown))
    assert "2 of 6 units still to show: Test electrical installations (ILLUS-KH-BEW-05)" in markdown
    assert "**What to do next**" in markdown
    assert "The competent authority in Cambodia for this occupation is not known" in markdown
    assert any(i.startswith("This is not an official recognition decision") for i in texts(at.info))


def test_recognition_in_every_member_state(store_path: Path) -> None:
    at = open_page("recognition", qualification="TH/DSD-BEW-L1", to="all")
    rows = table(at)
    assert [r["rank"] for r in rows] == list(range(1, 11))
    assert rows[0]["member state"] == "Cambodia (KH)"
    assert str(rows[0]["verdict"]).startswith("On illustrative data only")
    assert rows[0]["details"] == "?qualification=TH/DSD-BEW-L1&to=KH"
    assert any("not an official recognition decision" in i for i in texts(at.info))


@pytest.mark.parametrize(
    ("page", "params", "message"),
    [
        (
            "recognition",
            {"qualification": "TH/NO-SUCH", "to": "KH"},
            "qualification='TH/NO-SUCH' is not a qualification in the graph",
        ),
        (
            "recognition",
            {"qualification": "TH/DSD-BEW-L1", "to": "XX"},
            "to='XX' is not a member state other than the qualification's own in the graph",
        ),
        (
            "frameworks",
            {"countries": "PH,QQ"},
            "countries='QQ' is not ",
        ),
    ],
)
def test_a_bad_deep_link_says_what_is_wrong(
    store_path: Path, page: str, params: dict[str, str], message: str
) -> None:
    at = open_page(page, **params)
    assert any(message in e for e in texts(at.error)), texts(at.error)


def test_sparql_says_why_an_aqrf_level_query_is_empty(store_path: Path) -> None:
    at = open_page("sparql", query="qualifications-at-aqrf-level")
    at.text_input(key="sparql_param_qualifications-at-aqrf-level_level").set_value("4")
    at.button(key="sparql_run").click().run()
    assert_no_traceback(at)
    infos = texts(at.info)
    assert "The query ran and returned no rows." in infos
    assert any(
        i.startswith("Why it may be empty: no member state's NQF-to-AQRF level pairings")
        for i in infos
    )


# -- Deep links checked against the data (issue 17, item 4) ----------------------------------------


@pytest.mark.parametrize(
    ("page", "params", "refused"),
    [
        ("qualifications", {"aqrf": "8"}, None),  # the AQRF's top level, read from the graph
        ("qualifications", {"aqrf": "9"}, "aqrf='9' is not an AQRF level in the graph"),
        ("arrangements", {"country": "TL"}, None),
        ("arrangements", {"country": "XX"}, "country='XX' is not a member state in the graph"),
        ("recognition", {"qualification": "PH/MASONRY-NC-II"}, None),
        (
            "recognition",
            {"qualification": "PH/MASONRY-NC-X"},
            "qualification='PH/MASONRY-NC-X' is not a qualification in the graph; use one of: "
            "PH/MASONRY-NC-I",
        ),
    ],
)
def test_a_deep_link_naming_nothing_in_the_graph_says_so(
    store_path: Path, page: str, params: dict[str, str], refused: str | None
) -> None:
    at = open_page(page, **params)
    errors = texts(at.error)
    if refused is None:
        assert not errors
    else:
        assert len(errors) == 1 and errors[0].startswith("This link does not work: ")
        assert refused in errors[0]
