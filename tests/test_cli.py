"""`aqkg validate` and `aqkg query` from the command line: exit codes, formats, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib

from aqkg.cli.main import main

SUBMISSIONS = Path(__file__).parent / "fixtures" / "submissions"


def validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_valid_submission_conforms(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = validate(capsys, str(SUBMISSIONS / "valid-qualification.ttl"))
    assert code == 0, out
    assert "CONFORMS: 0 violation(s)" in out


@pytest.mark.parametrize("rdf_format", ["xml", "nt", "json-ld"])
def test_every_input_format_is_read(
    rdf_format: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    graph = rdflib.Graph().parse(SUBMISSIONS / "valid-qualification.ttl")
    suffix = {"xml": ".rdf", "nt": ".nt", "json-ld": ".jsonld"}[rdf_format]
    path = tmp_path / f"submission{suffix}"
    graph.serialize(path, format=rdf_format)
    code, out, _ = validate(capsys, str(path))
    assert code == 0, out


def test_violations_are_grouped_by_record_with_fixes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = validate(capsys, str(SUBMISSIONS / "level-of-another-country.ttl"))
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "https://w3id.org/aqkg/id/qualification/PH/TEST-002"
    assert sum(1 for line in lines if line.startswith("  VIOLATION")) >= 2
    assert "DOES NOT CONFORM" in lines[-1]


def test_json_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = validate(
        capsys, "--format", "json", str(SUBMISSIONS / "level-of-another-country.ttl")
    )
    payload = json.loads(out)
    assert code == 1 and payload["conforms"] is False
    (record,) = payload["records"]
    assert all(f["message"] and f["severity"] for f in record["findings"])


def test_turtle_report_is_a_shacl_validation_report(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = validate(
        capsys, "--format", "turtle", str(SUBMISSIONS / "level-of-another-country.ttl")
    )
    report = rdflib.Graph().parse(data=out, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert (None, rdflib.RDF.type, sh.ValidationReport) in report
    assert len(list(report.subjects(rdflib.RDF.type, sh.ValidationResult))) >= 2


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("broken.ttl", "not valid Turtle"),
        ("valid-qualification.txt", "unknown file type '.txt'"),
        ("missing.ttl", "no such file"),
    ],
)
def test_unusable_input_exits_2_with_one_line(
    name: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = validate(capsys, str(SUBMISSIONS / name))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and reason in err and name in err


def test_installed_console_script_prints_no_traceback(tmp_path: Path) -> None:
    broken = str(SUBMISSIONS / "broken.ttl")
    done = subprocess.run(
        [sys.executable, "-m", "aqkg.cli.main", "validate", broken], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_query_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--memory", "qualifications-at-aqrf-level"]) == 2
    assert "needs --param level" in capsys.readouterr().err
    assert main(["query", "--memory", "-e", "SELECT WHERE {"]) == 2
    assert "SPARQL syntax error" in capsys.readouterr().err
    assert main(["query", "no-such-query"]) == 2
    assert "aqkg queries" in capsys.readouterr().err
    assert main(["query", "--memory", "--base", "relative/", "-e", "SELECT * {}"]) == 2
    assert capsys.readouterr().err == (
        "aqkg: error: --base 'relative/': give an absolute IRI, such as https://w3id.org/aqkg/\n"
    )
    assert main(["query", "--memory", "-e", "SELECT * FROM ex:graph {}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("aqkg: error: prefix ex: is not declared: add `PREFIX ex: <...>`")
    assert err.count("\n") == 1


def test_query_base_iri(capsys: pytest.CaptureFixture[str]) -> None:
    """Relative IRIs resolve against https://w3id.org/aqkg/, or --base."""
    query = "SELECT ?x WHERE { BIND(<id/country/LA> AS ?x) }"
    assert main(["query", "--memory", "--format", "tsv", "-e", query]) == 0
    assert capsys.readouterr().out.split() == ["x", "https://w3id.org/aqkg/id/country/LA"]
    assert main(["query", "--memory", "--format", "tsv", "--base", "urn:x:/", "-e", query]) == 0
    assert capsys.readouterr().out.split() == ["x", "urn:x:/id/country/LA"]


def test_queries_lists_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["queries"]) == 0
    out = capsys.readouterr().out
    assert "qualifications-at-aqrf-level" in out and "level:aqrf-level" in out


def test_query_from_an_rq_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rq = tmp_path / "levels.rq"
    rq.write_text(
        "PREFIX aqkg: <https://w3id.org/aqkg/ontology#>\n"
        "SELECT ?rank WHERE { ?l aqkg:inFramework <https://w3id.org/aqkg/id/framework/ASEAN/AQRF> ;"
        " aqkg:rank ?rank } ORDER BY ?rank\n"
    )
    assert main(["query", str(rq), "--memory", "--format", "tsv"]) == 0
    assert capsys.readouterr().out.split() == ["rank", *[str(n) for n in range(1, 9)]]
