"""Hostile input: the corpus of tests/hostile (manifest.json) through every entry point that reads
input, then one regression test per hardening fix made for it.

The corpus runs once per session in a process of its own (tests/hostile/runner.py), so its time
and memory are measured apart from the rest of the suite. Every (case, entry point) must give
its expected outcome, a one-line error where the input is unusable, within TIME_LIMIT_SECONDS
and MEMORY_LIMIT_BYTES, leaving the stores unchanged. tests/test_no_network.py checks the same
run for sockets and stray files.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import time
import zipfile
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from hostile import shapes
from hostile.runner import ENTRY_POINTS, manifest, results
from openpyxl import load_workbook
from test_ingest import FIXTURE

from aqkg.cli.main import main
from aqkg.intake import rdf_guards, rdf_input
from aqkg.intake.ingest import IngestError, ingest
from aqkg.intake.rdf_input import UnusableInputError, parse_triples
from aqkg.intake.templates import write_template
from aqkg.intake.xlsx_guards import MAX_UNPACKED_BYTES
from aqkg.sparql.evaluation import evaluate
from aqkg.sparql.jobs import Job, Success
from aqkg.sparql.negotiation import FormatChoice
from aqkg.sparql.readonly import mentions_file_iri, refusal
from aqkg.sparql.results import as_delimited
from aqkg.store.embedded import EmbeddedStore, SelectResult

TIME_LIMIT_SECONDS = 15.0
MEMORY_LIMIT_BYTES = 500 << 20
CASES = manifest()
RUNS = [(case["id"], entry) for case in CASES for entry in case["expect"]]
BY_ID = {case["id"]: case for case in CASES}
FORMULA_STARTS = ("=", "+", "-", "@")


def test_the_corpus_covers_every_entry_point() -> None:
    assert len(CASES) >= 30
    assert len(BY_ID) == len(CASES), "case ids must be unique"
    assert {entry for _, entry in RUNS} == set(ENTRY_POINTS)


@pytest.mark.parametrize(("case_id", "entry"), RUNS, ids=[f"{c}-{e}" for c, e in RUNS])
def test_hostile_input(case_id: str, entry: str) -> None:
    case = BY_ID[case_id]
    record = results()[(case_id, entry)]
    expected = case["expect"][entry]
    outcome, error = expected if isinstance(expected, list) else (expected, case.get("error"))
    _check_outcome(record, entry, outcome, error)
    if case.get("output"):
        shown = record.get("stdout", "") + record.get("stderr", "") + record.get("text", "")
        assert case["output"] in shown, shown
    assert record["seconds"] < TIME_LIMIT_SECONDS
    assert record["memory_bytes"] < MEMORY_LIMIT_BYTES
    assert not record["store_changed"]
    if outcome == "unusable" and entry == "ingest":
        assert not record["output_written"]


def test_the_read_only_store_holds_the_same_quads_after_the_corpus() -> None:
    assert results()[("run", "summary")]["read_only_store_unchanged"]


def _check_outcome(record: dict[str, Any], entry: str, outcome: str | int, error: str) -> None:
    if isinstance(outcome, int):  # the endpoint
        assert record["status"] == outcome, record
        assert error in record["body"] and "Traceback" not in record["body"]
    elif entry.startswith("explore-"):
        _check_explorer(record, outcome, error)
    else:
        _check_cli(record, outcome, error)


def _check_cli(record: dict[str, Any], outcome: str, error: str) -> None:
    exit_codes = {"unusable": 2, "report": 1, "conforms": 0, "ok": 0}
    assert record["exit"] == exit_codes[outcome], record
    assert "Traceback" not in record["stderr"] and "internal error" not in record["stderr"]
    if outcome == "unusable":
        (line,) = record["stderr"].splitlines()  # one line
        assert line.startswith("aqkg: error: ") and error in line, line
        assert not record["stdout"]
    if outcome in ("report", "conforms") and record.get("stdout") is not None:
        assert record["stdout"] or record["stderr"], "no report"


def _check_explorer(record: dict[str, Any], outcome: str, error: str) -> None:
    if outcome in ("unusable", "refused"):
        message = record.get("raised", "")
        assert message and "\n" not in message and error in message, record
    else:
        assert "raised" not in record, record
        assert record["conforms"] is (outcome == "conforms")


# == regression tests, one per fix =================================================================

# -- aqkg.intake.rdf_guards and aqkg.intake.rdf_input ----------------------------------------------

RDF_XML = '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="urn:ex:">'


def _write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def _one_line_refusal(path: Path, words: str) -> None:
    started = time.perf_counter()
    with pytest.raises(UnusableInputError) as refused:
        parse_triples(path)
    assert time.perf_counter() - started < 2
    assert words in str(refused.value) and "\n" not in str(refused.value)


def test_entity_expansion_is_bounded_before_pyoxigraph_expands_it(tmp_path: Path) -> None:
    """pyoxigraph 0.5 expanded these 3 GB in 2 minutes; declared-only bombs too."""
    lol = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    )
    body = '<rdf:Description rdf:about="urn:ex:a"><ex:p>&l9;</ex:p></rdf:Description></rdf:RDF>'
    bomb = _write(tmp_path / "bomb.rdf", f"<!DOCTYPE rdf:RDF [{lol}]>{RDF_XML}{body}")
    _one_line_refusal(bomb, "billion laughs")
    unused = _write(tmp_path / "unused.rdf", f"<!DOCTYPE r [<!-- {lol} -->]>{RDF_XML}</rdf:RDF>")
    _one_line_refusal(unused, "billion laughs")
    external = f'<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>{RDF_XML}</rdf:RDF>'
    _one_line_refusal(_write(tmp_path / "xxe.rdf", external), "external entity 'e' refused")


def test_entities_as_protege_writes_them_still_parse(tmp_path: Path) -> None:
    declared = '<!DOCTYPE rdf:RDF [<!ENTITY ex "urn:ex:">]>'
    body = "".join(
        f'<rdf:Description rdf:about="&ex;a{i}"><ex:p rdf:resource="&ex;b"/></rdf:Description>'
        for i in range(2000)
    )
    path = _write(tmp_path / "protege.rdf", f"{declared}{RDF_XML}{body}</rdf:RDF>")
    assert len(parse_triples(path)) == 2000


@pytest.mark.parametrize(
    ("name", "open_", "close", "words"),
    [
        ("deep.rdf", "<ex:p><rdf:Description>", "</rdf:Description></ex:p>", "XML elements"),
        ("deep.jsonld", '{"urn:ex:p": ', "}", "JSON objects and arrays"),
        ("deep.ttl", "<<( <urn:ex:a> <urn:ex:p> ", " )>>", "triple terms << >>"),
    ],
)
def test_nesting_is_bounded(tmp_path: Path, name: str, open_: str, close: str, words: str) -> None:
    """RDF/XML parse time is quadratic in depth; deep JSON-LD and triple terms crash."""
    depth = rdf_guards.MAX_NESTING + 10
    start, end = {
        "deep.rdf": (
            RDF_XML + '<rdf:Description rdf:about="urn:ex:a">',
            "</rdf:Description></rdf:RDF>",
        ),
        "deep.jsonld": ('{"@id": "urn:ex:a", "urn:ex:p": ', "}"),
        "deep.ttl": ("<urn:ex:a> <urn:ex:p> ", " ."),
    }[name]
    inner = "" if name == "deep.rdf" else "1"
    deep = _write(tmp_path / name, start + open_ * depth + inner + close * depth + end)
    _one_line_refusal(deep, f"{words} nested over {rdf_guards.MAX_NESTING} levels deep")
    shallow = _write(tmp_path / f"shallow-{name}", start + open_ * 20 + inner + close * 20 + end)
    assert parse_triples(shallow)


def test_brackets_inside_json_strings_do_not_count(tmp_path: Path) -> None:
    text = '{"@id": "urn:ex:a", "urn:ex:p": "' + "[{" * 1000 + '\\" ]}"}'
    assert parse_triples(_write(tmp_path / "strings.jsonld", text))


def test_a_utf8_byte_order_mark_is_read_and_utf16_is_named(tmp_path: Path) -> None:
    triple = '<urn:ex:a> <urn:ex:p> "é" .\n'
    with_bom = _write(tmp_path / "bom.ttl", codecs.BOM_UTF8 + triple.encode())
    assert parse_triples(with_bom)[0].object == ox.Literal("é")
    utf16 = _write(tmp_path / "utf16.nt", codecs.BOM_UTF16_LE + triple.encode("utf-16-le"))
    _one_line_refusal(utf16, "the file is UTF-16 text; save it as UTF-8")


def test_a_literal_over_pyoxigraphs_limit_is_one_line_not_an_internal_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "huge.ttl"
    with path.open("w", encoding="utf-8") as out:
        out.write('<urn:ex:a> <urn:ex:p> "' + "x" * (17 << 20) + '" .\n')
    _one_line_refusal(path, "at most 16 MB")
    assert main(["validate", str(path)]) == 2
    assert "internal error" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("term", "limit", "what"),
    [
        ("<urn:ex:{}>", rdf_input.MAX_IRI_CHARS, "an IRI"),
        ('"{}"', rdf_input.MAX_LITERAL_CHARS, "a literal"),
    ],
)
def test_iris_and_literals_are_bounded_as_they_stream(
    tmp_path: Path, term: str, limit: int, what: str
) -> None:
    """150 IRIs of 1 MB each took validation to 1.9 GB."""
    pad = limit - len(term.format("")) + 2  # the IRI's value has no <>, the literal no ""
    at_limit = f"<urn:ex:a> <urn:ex:p> {term.format('x' * pad)} .\n"
    assert parse_triples(_write(tmp_path / "at.nt", at_limit))
    over = f"<urn:ex:a> <urn:ex:p> {term.format('x' * (pad + 1))} .\n"
    _one_line_refusal(
        _write(tmp_path / "over.nt", at_limit + over),
        f"triple 2 holds {what} of {limit + 1} characters, over the {limit} character limit",
    )


def test_the_issues_long_iris_are_refused_at_the_first(tmp_path: Path) -> None:
    path = shapes.ntriples_long_iris(tmp_path / "long.nt", count=3, length=1 << 20)
    _one_line_refusal(path, f"triple 1 holds an IRI of {1 << 20} characters")


@pytest.mark.parametrize(
    ("name", "text"),
    [("empty.ttl", ""), ("dropped.jsonld", '{"@id": "urn:ex:a b", "urn:ex:p": "x"}')],
)
def test_a_file_without_triples_is_unusable(tmp_path: Path, name: str, text: str) -> None:
    """Publishing it would replace the country's data with nothing."""
    _one_line_refusal(_write(tmp_path / name, text), "no triples found")


def test_a_remote_json_ld_context_is_named(tmp_path: Path) -> None:
    text = '{"@context": "https://example.org/context.jsonld", "@id": "urn:ex:a"}'
    _one_line_refusal(_write(tmp_path / "remote.jsonld", text), "@context given by URL")


# -- aqkg.intake.ingest ----------------------------------------------------------------------------


def _csv_folder(tmp_path: Path, about: bytes) -> Path:
    folder = tmp_path / "template"
    folder.mkdir()
    (folder / "about.csv").write_bytes(about)
    return folder


@pytest.mark.parametrize(
    ("about", "words"),
    [
        ("key,value\ncountry,PH\nnote,café\n".encode("latin-1"), "not UTF-8 text"),
        (b"key,value\ncountry,PH\nnote," + b"x" * 200_000 + b"\n", "not readable as CSV"),
    ],
)
def test_unreadable_csv_is_one_line_not_an_internal_error(
    tmp_path: Path, about: bytes, words: str
) -> None:
    with pytest.raises(IngestError, match=words):
        ingest(_csv_folder(tmp_path, about))


def _edited_xlsx(tmp_path: Path, edit: Any) -> Path:
    """A copy of the fixture's qualifications as a workbook, its sheet XML edited."""
    from openpyxl import Workbook

    workbook = Workbook()
    about = workbook.active
    assert about is not None
    about.title = "about"
    about.append(["key", "value"])
    about.append(["country", "PH"])
    sheet = workbook.create_sheet("qualifications")
    with (FIXTURE / "qualifications.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    path = tmp_path / "edited.xlsx"
    workbook.save(path)
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            archive.writestr(info, edit(info.filename, data))
    return path


def test_bad_xml_inside_a_workbook_is_one_line(tmp_path: Path) -> None:
    def bomb(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet2.xml":
            return data
        entities = b'<!ENTITY a "aaaaaaaaaa">' + b"".join(
            b'<!ENTITY %s "%s">' % (bytes([98 + i]), b"&%s;" % bytes([97 + i]) * 10)
            for i in range(8)
        )
        assert b"<t>" in data  # openpyxl writes inline strings
        return b"<!DOCTYPE worksheet [" + entities + b"]>" + data.replace(b"<t>", b"<t>&i;", 1)

    with pytest.raises(IngestError, match="bad XML"):
        ingest(_edited_xlsx(tmp_path, bomb))


def test_a_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    def padded(name: str, data: bytes) -> bytes:
        return data

    path = _edited_xlsx(tmp_path, padded)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("xl/media/padding.bin", bytes(MAX_UNPACKED_BYTES + 1))
    with pytest.raises(IngestError, match="unpacks to"):
        ingest(path)


def test_a_hidden_data_sheet_is_reported(tmp_path: Path) -> None:
    path = _edited_xlsx(tmp_path, lambda name, data: data)
    workbook = load_workbook(path)
    workbook["qualifications"].sheet_state = "hidden"
    workbook.save(path)
    findings = ingest(path).findings
    assert [f.severity for f in findings if "is hidden" in f.problem] == ["Warning"]


def test_a_template_with_only_warnings_and_no_records_is_unusable(tmp_path: Path) -> None:
    """Else it conformed, and publishing it emptied the country's graph."""
    folder = _csv_folder(tmp_path, b"key,value\ncountry,PH\n")
    (folder / "notes.csv").write_text("", encoding="utf-8")
    with pytest.raises(IngestError, match="no records found"):
        ingest(folder)
    (folder / "notes.csv").write_text("anything\nat all\n", encoding="utf-8")
    (finding,) = ingest(folder).findings  # rows in a sheet nobody reads: a violation
    assert finding.severity == "Violation" and "'notes' is not part of the template" in (
        finding.problem
    )


# -- aqkg.web.server and aqkg query ----------------------------------------------------------------

HOSTILE_VALUES = [
    '=HYPERLINK("https://example.org","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1)",
]


def _hostile_store() -> EmbeddedStore:
    store = EmbeddedStore.in_memory().oxigraph
    for index, value in enumerate(HOSTILE_VALUES):
        store.add(
            ox.Quad(
                ox.NamedNode(f"urn:ex:{index}"), ox.NamedNode("urn:ex:title"), ox.Literal(value)
            )
        )
    return EmbeddedStore(store)


def test_endpoint_csv_is_defused_and_other_formats_stay_exact() -> None:
    """pyoxigraph's CSV writer left =HYPERLINK(...) for a spreadsheet program to run."""
    query = "SELECT ?s ?title WHERE { ?s <urn:ex:title> ?title } ORDER BY ?s"
    outcome = evaluate(_hostile_store(), Job(query, FormatChoice("csv", None, "text/csv")), 100)
    assert isinstance(outcome, Success)
    rows = list(csv.reader(io.StringIO(outcome.body.decode("utf-8"))))
    assert rows[0] == ["s", "title"]
    assert [row[1] for row in rows[1:]] == ["'" + value for value in HOSTILE_VALUES]
    as_json = evaluate(_hostile_store(), Job(query, FormatChoice("json", None, "json")), 100)
    assert isinstance(as_json, Success)
    values = [b["title"]["value"] for b in json.loads(as_json.body)["results"]["bindings"]]
    assert values == HOSTILE_VALUES


def test_every_csv_and_xlsx_export_defuses_formulas(tmp_path: Path) -> None:
    """aqkg query --format csv and the explorer's CSV (results.as_delimited), the endpoint
    (above), and the templates' drop-down lists, which come from the store's labels."""
    terms = [[ox.Literal(value)] for value in HOSTILE_VALUES]
    cells = [row[0] for row in csv.reader(io.StringIO(as_delimited(SelectResult(["v"], terms))))]
    assert all(not cell.startswith(FORMULA_STARTS) for cell in cells[1:])
    lists = {"levels": HOSTILE_VALUES}
    workbook = load_workbook(write_template("PH", tmp_path / "t.xlsx", lists))
    listed = [cell for row in workbook["lists"].iter_rows() for cell in row]
    hostile = [cell for cell in listed if cell.value in HOSTILE_VALUES]
    assert len(hostile) == len(HOSTILE_VALUES)
    assert all(cell.data_type == "s" for cell in hostile)  # text, never a formula
    folder = write_template("PH", tmp_path / "csv", lists)
    exported = "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.csv")))
    rows = [cell for row in csv.reader(io.StringIO(exported)) for cell in row]
    assert not any(cell.startswith(FORMULA_STARTS) for cell in rows)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        "PREFIX f: <FILE:///etc/> SELECT * FROM f:passwd WHERE { ?s ?p ?o }",
        "BASE <file:///etc/> SELECT * FROM <passwd> WHERE { ?s ?p ?o }",
        "SELECT * FROM <\\u0066ile:///etc/passwd> WHERE { ?s ?p ?o }",
    ],
)
def test_file_iris_are_refused(query: str) -> None:
    assert mentions_file_iri(query)
    assert refusal(query) is not None and "file: IRIs are refused" in str(refusal(query))


def test_file_in_a_string_or_a_comment_is_not_an_iri() -> None:
    assert not mentions_file_iri('SELECT * WHERE { ?s ?p "<file:x>" } # <file:y>')


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
        "SELECT * WHERE " + "{" * 5000 + "?s ?p ?o" + "}" * 5000,
        "SELECT * WHERE { ?s ?p ?o " + "FILTER EXISTS { ?s ?p ?o " * 1000 + "}" * 1000 + " }",
        "SELECT * WHERE { ?s ?p ?o FILTER(" + "+".join(["1"] * 20_000) + ") }",
        "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 20_000) + " }",
    ],
    ids=["parentheses", "braces", "exists", "plus", "union"],
)
def test_queries_that_would_crash_pyoxigraph_are_refused(query: str) -> None:
    """Each of these killed the process with SIGSEGV (stack overflow) in pyoxigraph 0.5."""
    reason = refusal(query)
    assert reason is not None and "pyoxigraph would crash" in reason


def test_ordinary_queries_pass_the_complexity_check() -> None:
    for path in sorted(Path(__file__).parents[1].glob("queries/**/*.rq")):
        assert refusal(path.read_text(encoding="utf-8")) is None, path


def test_aqkg_query_applies_the_endpoint_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, -e ran SERVICE (a socket) and crashed on deep nesting."""
    store = tmp_path / "store"
    ox.Store(str(store)).flush()
    for query, words in [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/s> { ?s ?p ?o } }", "SERVICE is refused"),
        ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "file: IRIs are refused"),
        ("SELECT * WHERE { " + "{" * 5000 + "}" * 5000 + " }", "pyoxigraph would crash"),
    ]:
        assert main(["query", "--store", str(store), "-e", query]) == 2
        (line,) = capsys.readouterr().err.splitlines()
        assert words in line and line.startswith("aqkg: error: ")
    latin1 = _write(tmp_path / "q.rq", "SELECT * WHERE { ?s ?p 'café' }".encode("latin-1"))
    assert main(["query", "--store", str(store), str(latin1)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


# -- documentation ---------------------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[1]
DBA = re.compile(r"\bdba\b", re.IGNORECASE)


def test_the_documentation_never_recommends_the_dba_account() -> None:
    """Every sentence of the documentation naming Virtuoso's dba account says not to serve with
    it, and no command or setting gives it (a default password, an isql login)."""
    documents = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
    for document in documents:
        text = document.read_text(encoding="utf-8")
        assert not re.search(r"dba\s*[:/]\s*dba|isql\S*\s+\S+\s+dba\b", text, re.IGNORECASE)
        for sentence in re.split(r"(?<=[.!?])\s+", " ".join(text.split())):
            if DBA.search(sentence):
                assert re.search(r"\b(never|not|no)\b", sentence), f"{document}: {sentence}"
