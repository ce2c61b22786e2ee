"""`aqkg build` on the shipped data, into a real on-disk pyoxigraph store."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from aqkg.build.pipeline import build
from aqkg.cli.main import main
from aqkg.docs.readme import pages, render
from aqkg.intake.project_files import project_files
from aqkg.paths import GRAPH_BASE, ILLUSTRATIVE_GRAPH, INFERRED_GRAPH, project_root
from aqkg.sparql.catalogue import NamedQuery, bind_params, catalogue, every_row, for_embedded
from aqkg.sparql.notes import pairings_note
from aqkg.store.embedded import EmbeddedStore

AQKG = "https://w3id.org/aqkg/ontology#"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store_path = tmp_path_factory.mktemp("build") / "store"
    assert main(["build", "--store", str(store_path)]) == 0
    return store_path


@pytest.fixture(scope="module")
def store(built: Path) -> EmbeddedStore:
    return EmbeddedStore.open(built)


def run(store: EmbeddedStore, name: str, **params: str) -> list[dict[str, str]]:
    query = catalogue()[name]
    result = store.select(query.text, bind_params(query, params))
    return [
        {v: (t.value if t is not None else "") for v, t in zip(result.variables, row, strict=True)}
        for row in result.rows
    ]


def test_one_named_graph_per_source_file_plus_inferences(store: EmbeddedStore) -> None:
    graphs = set(store.graph_names())
    expected = {
        GRAPH_BASE + p.relative_to(project_root()).with_suffix("").as_posix()
        for p in project_files()
    }
    assert expected | {INFERRED_GRAPH, ILLUSTRATIVE_GRAPH} == graphs
    counts = store.triple_counts()
    assert all(counts[g] > 0 for g in graphs)


def test_aqrf_has_eight_levels_with_both_descriptor_domains(store: EmbeddedStore) -> None:
    rows = run(store, "frameworks")
    aqrf = [r for r in rows if r["code"] == "ASEAN"]
    assert len(aqrf) == 1 and aqrf[0]["levelsInGraph"] == "8"
    assert [r["code"] for r in run(store, "frameworks", country="PH")] == ["PH"]
    domains = store.select(
        "PREFIX aqkg: <https://w3id.org/aqkg/ontology#> "
        "SELECT ?rank (COUNT(DISTINCT ?domain) AS ?domains) WHERE { "
        "?level aqkg:inFramework <https://w3id.org/aqkg/id/framework/ASEAN/AQRF> ;"
        " aqkg:rank ?rank ."
        "?descriptor aqkg:describesLevel ?level ; aqkg:descriptorDomain ?domain } GROUP BY ?rank"
    )
    assert sorted((int(r[0].value), int(r[1].value)) for r in domains.rows if r[0] and r[1]) == [
        (rank, 2) for rank in range(1, 9)
    ]


def test_at_least_three_nqfs_list_levels_with_their_referencing(store: EmbeddedStore) -> None:
    rows = run(store, "framework-levels")
    with_levels = {r["code"] for r in rows}
    with_status = {r["code"] for r in rows if r["referencingStatus"]}
    assert len(with_levels) >= 3
    assert with_levels == with_status
    philippines = run(store, "framework-levels", country="PH")
    assert [int(r["rank"]) for r in philippines] == sorted(int(r["rank"]) for r in philippines)
    assert {r["code"] for r in philippines} == {"PH"}


def test_inferences_are_materialised(store: EmbeddedStore) -> None:
    # owl:inverseOf: hasLevelAlignment/partOfReferencing, subclasses typed up to their parents
    inferred = {q.predicate.value for q in store.quads(INFERRED_GRAPH)}
    assert "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" in inferred
    subclass_typed = store.raw_query(
        "ASK { GRAPH <" + INFERRED_GRAPH + "> { ?f a <" + AQKG + "QualificationsFramework> } }"
    )
    assert bool(subclass_typed)


def test_the_union_types_records_with_named_classes_only(store: EmbeddedStore) -> None:
    # OWL RL types every qualification with ~9 restrictions/intersections of the ontology;
    # they must not surface as rdf:type values (nor as any other blank node the build adds).
    classes = store.raw_query("SELECT DISTINCT ?c WHERE { ?s a ?c }")
    assert isinstance(classes, ox.QuerySolutions)
    found = [row["c"] for row in classes]
    assert found and not [c for c in found if isinstance(c, ox.BlankNode)]
    assert AQKG + "Qualification" in {c.value for c in found}
    assert not [q for q in store.quads(INFERRED_GRAPH) if isinstance(q.object, ox.BlankNode)]


def test_ad_hoc_sparql_runs_against_the_same_store(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "query",
            "--store",
            str(built),
            "--format",
            "csv",
            "-e",
            "SELECT (COUNT(*) AS ?n) WHERE { ?s a <" + AQKG + "MemberState> }",
        ]
    )
    assert code == 0
    assert capsys.readouterr().out.splitlines() == ["n", "11"]


def test_rebuild_is_idempotent_and_keeps_imported_graphs(built: Path) -> None:
    foreign = "https://w3id.org/aqkg/graph/esco"
    writable = EmbeddedStore.open(built, read_only=False)
    before = writable.triple_counts()
    writable.add_triples(
        foreign,
        [ox.Triple(ox.NamedNode("http://x/a"), ox.NamedNode("http://x/p"), ox.Literal("kept"))],
    )
    writable.flush()
    del writable
    build(built)
    after = EmbeddedStore.open(built).triple_counts()
    assert after.pop(foreign) == 1
    assert after == before


def test_a_build_with_violations_stops_and_leaves_the_store_as_it_was(
    built: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = tmp_path / "project"
    for folder in ("ontology", "shapes", "queries", "data"):
        shutil.copytree(project_root() / folder, project / folder)
    bad = project / "data" / "countries" / "ph" / "broken-submission.ttl"
    shutil.copy(Path(__file__).parent / "fixtures/submissions/level-of-another-country.ttl", bad)
    store_copy = tmp_path / "store"
    shutil.copytree(built, store_copy)
    before = EmbeddedStore.open(store_copy).triple_counts()
    monkeypatch.setenv("AQKG_HOME", str(project))

    assert main(["build", "--store", str(store_copy)]) == 1
    out = capsys.readouterr()
    assert "TEST-002" in out.out and "VIOLATION" in out.out
    assert "--allow-invalid" in out.err
    assert EmbeddedStore.open(store_copy).triple_counts() == before

    assert main(["build", "--store", str(store_copy), "--allow-invalid"]) == 0
    assert EmbeddedStore.open(store_copy).triple_counts() != before


def test_recognise_from_the_command_line(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["recognise", "TH/DSD-BEW-L1", "--to", "KH", "--store", str(built)]
    assert main([*args, "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["candidates"][0]["qualification"]["iri"].endswith("/KH/ILLUS-BEW")
    assert main([*args[:1], "TH/NO-SUCH", *args[2:]]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "TH/NO-SUCH" in err
    everywhere = ["recognise", "TH/DSD-BEW-L1", "--to", "all", "--store", str(built)]
    assert main([*everywhere, "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["destinations"][0]["country"] == "KH" and len(payload["destinations"]) == 10
    assert main(everywhere) == 0
    assert capsys.readouterr().out.splitlines()[2].startswith(" 1. KH  On illustrative data only")


def test_generated_tables_match_the_data(store: EmbeddedStore) -> None:
    stale = [
        page.name
        for page in pages()
        if render(text := page.read_text(encoding="utf-8"), store) != text
    ]
    assert not stale, (
        f"generated tables are stale in {stale}: run `aqkg build --store /tmp/s && "
        "python -m aqkg.docs.readme --store /tmp/s`"
    )
    assert sum("<!-- generated:" in p.read_text(encoding="utf-8") for p in pages()) >= 3


def test_serve_from_the_command_line(built: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aqkg.cli.main",
            "serve",
            "--store",
            str(built),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/frameworks?country=PH"
        payload = _get_json_when_up(url)
        (row,) = payload["results"]["bindings"]
        assert row["code"]["value"] == "PH"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _get_json_when_up(url: str, seconds: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.loads(response.read())  # type: ignore[no-any-return]
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_an_optional_param_narrows_a_query_never_widens_it(store: EmbeddedStore) -> None:
    """Bound optional params must filter: pyoxigraph only sees a substituted variable in
    patterns and expressions, so a param used only inside OPTIONAL would silently do nothing."""
    values = {
        "country": "PH",
        "isco": "71",
        "match_type": AQKG + "ExactMatch",
        "min_confidence": "0.9",
        "framework": "https://w3id.org/aqkg/id/framework/PH/PQF",
    }
    checked = 0
    for query in catalogue().values():
        required = {p.name: values.get(p.name, "") for p in query.params if p.required}
        if any(not v for v in required.values()):
            continue
        for param in (p for p in query.params if not p.required and p.name in values):
            wide = _rows_without(store, query, required, param.name)
            narrow = _rows_without(
                store, query, {**required, param.name: values[param.name]}, param.name
            )
            assert narrow <= wide, f"{query.name} --param {param.name} added rows"
            checked += len(narrow) < len(wide)
    assert checked >= 4, "too few optional params narrowed their query on the shipped data"


def _rows_without(
    store: EmbeddedStore, query: NamedQuery, params: dict[str, str], dropped: str
) -> set[tuple[str, ...]]:
    # every row (all the pages of a listing query), bound as the CLI binds
    result = store.select(*for_embedded(every_row(query), bind_params(query, params)))
    keep = [i for i, name in enumerate(result.variables) if name != dropped]
    return {tuple(str(row[i]) for i in keep) for row in result.rows}


def _readme_commands(*verbs: str) -> list[list[str]]:
    """The `aqkg <verb> ...` commands of the README's code blocks, comments dropped."""
    readme = (project_root() / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", readme, re.DOTALL):
        pending = ""
        for line in block.splitlines():
            pending = f"{pending}\n{line}" if pending else line
            try:
                words = shlex.split(pending, comments=True)
            except ValueError:  # a quote still open: the command goes on
                continue
            pending = ""
            if len(words) > 1 and words[0] == "aqkg" and words[1] in verbs:
                commands.append(words[1:])
    return commands


def test_the_readme_tour_runs(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    commands = _readme_commands("recognise", "query", "queries")
    assert len(commands) >= 6
    for args in commands:
        store = [] if args[0] == "queries" else ["--store", str(built)]  # the catalogue is files
        assert main([*args, *store]) == 0, args
        assert capsys.readouterr().out.strip(), args


# -- aqkg query: every query form, a time limit, plain values ---------------------------------

LA = "https://w3id.org/aqkg/id/country/LA"
SKOS = "http://www.w3.org/2004/02/skos/core#"
LABELS = (
    f"PREFIX skos: <{SKOS}> CONSTRUCT {{ <{LA}> skos:prefLabel ?l }} "
    f"WHERE {{ <{LA}> skos:prefLabel ?l }}"
)


def _query(built: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["query", *args, "--store", str(built)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_ask_prints_true_or_false(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _query(built, capsys, "-e", f"ASK {{ <{LA}> ?p ?o }}") == (0, "true\n", "")
    assert _query(built, capsys, "-e", "ASK { <urn:x:nothing> ?p ?o }") == (0, "false\n", "")
    code, out, _ = _query(built, capsys, "--format", "json", "-e", "ASK { ?s ?p ?o }")
    assert code == 0 and json.loads(out) == {"head": {}, "boolean": True}


@pytest.mark.parametrize(
    ("fmt", "rdf_format"),
    [
        (None, ox.RdfFormat.TURTLE),
        ("turtle", ox.RdfFormat.TURTLE),
        ("ntriples", ox.RdfFormat.N_TRIPLES),
        ("jsonld", ox.RdfFormat.JSON_LD),
    ],
)
def test_construct_in_each_graph_format(
    built: Path, capsys: pytest.CaptureFixture[str], fmt: str | None, rdf_format: ox.RdfFormat
) -> None:
    code, out, err = _query(built, capsys, *(["--format", fmt] if fmt else []), "-e", LABELS)
    assert (code, err) == (0, "")
    labels = {t.object for t in ox.parse(out.encode(), format=rdf_format)}
    assert ox.Literal("Lao People's Democratic Republic", language="en") in labels


def test_describe_gives_the_record(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _query(built, capsys, "--format", "ntriples", "-e", f"DESCRIBE <{LA}>")
    triples = list(ox.parse(out.encode(), format=ox.RdfFormat.N_TRIPLES))
    assert code == 0 and triples and all(t.subject == ox.NamedNode(LA) for t in triples)


@pytest.mark.parametrize(
    ("fmt", "query", "message"),
    [
        ("csv", "ASK { ?s ?p ?o }", "--format csv does not fit an ASK query: use table, json"),
        ("turtle", "SELECT * { ?s ?p ?o } LIMIT 1", "does not fit a SELECT query: use csv,"),
        ("table", LABELS, "does not fit a CONSTRUCT query: use turtle, ntriples, jsonld"),
    ],
)
def test_a_format_that_does_not_fit_the_form(
    built: Path, capsys: pytest.CaptureFixture[str], fmt: str, query: str, message: str
) -> None:
    code, out, err = _query(built, capsys, "--format", fmt, "-e", query)
    assert (code, out) == (2, "") and message in err and err.count("\n") == 1


def test_a_time_limit_stops_a_slow_query(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    code, out, err = _query(built, capsys, "--timeout", "1", "-e", slow)
    assert (code, out) == (2, "")
    assert err == (
        "aqkg: error: query stopped after 1 s (the time limit); add LIMIT or narrow the pattern\n"
    )


@pytest.mark.parametrize("value", ["0", "-1"])
def test_a_time_limit_must_be_positive(
    built: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    code, _, err = _query(built, capsys, "--timeout", value, "-e", "ASK { ?s ?p ?o }")
    assert code == 2 and "give a number of seconds above 0" in err


@pytest.mark.parametrize(
    "args",
    [
        ["framework-levels", "--param", "country=PH"],
        ["framework-levels", "--param", "country=PH", "--format", "json"],
        ["-e", "ASK { ?s ?p ?o }"],
        ["-e", LABELS, "--format", "ntriples"],
    ],
)
def test_within_a_time_limit_the_answer_is_the_same(
    built: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    direct = _query(built, capsys, *args)
    assert direct[0] == 0
    assert _query(built, capsys, *args, "--timeout", "60") == direct


def test_table_values_are_plain_unless_tags_are_asked_for(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, plain_table, _ = _query(built, capsys, "framework-levels", "--param", "country=PH")
    assert "@en" not in plain_table and "Philippine Qualifications Framework" in plain_table
    _, tagged, _ = _query(built, capsys, "framework-levels", "--param", "country=PH", "--lang")
    header = tagged.splitlines()[0].split()
    assert header[header.index("frameworkName") + 1] == "frameworkName@"
    assert "code@" not in header  # a column without tagged text gets no tag column
    assert tagged.splitlines()[2].split().count("en") >= 2


def test_queries_lists_the_public_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["queries"]) == 0
    public = capsys.readouterr().out
    assert "framework-levels" in public
    assert "explore-" not in public and "recognition-" not in public
    assert main(["queries", "--all"]) == 0
    everything = capsys.readouterr().out
    assert "explore-qualifications" in everything and "recognition-units" in everything


def test_an_empty_answer_that_needs_unpublished_pairings_says_so(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["qualifications-at-aqrf-level", "--param", "level=4"]
    code, out, err = _query(built, capsys, *args)
    assert code == 0 and "(0 rows)" in out and err == ""
    assert "note: no member state's NQF-to-AQRF level pairings are published" in out
    code, out, err = _query(built, capsys, *args, "--format", "csv")
    assert out.strip().count("\n") == 0 and err.startswith("note: no member state's")
    # a query that does not depend on pairings says nothing of them
    assert "note:" not in _query(built, capsys, "mras", "--param", "country=PH")[1]


def test_the_pairings_note_names_who_publishes(built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "store"
    shutil.copytree(built, copy)
    store = EmbeddedStore.open(copy, read_only=False)
    referencing = ox.NamedNode("https://w3id.org/aqkg/id/referencing/PH/PQF-AQRF")
    alignment = ox.NamedNode("urn:test:alignment")
    predicate = ox.NamedNode(AQKG + "hasLevelAlignment")
    assert list(store.oxigraph.quads_for_pattern(referencing, None, None)), "PH referencing"
    store.add_quads([ox.Quad(referencing, predicate, alignment, ox.NamedNode("urn:test:g"))])
    note = pairings_note(store)
    assert note is not None and note.startswith(
        "NQF-to-AQRF level pairings are published for PH only"
    )
    assert "KH" in note and "PH," not in note
