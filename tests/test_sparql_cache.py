"""The prepared-query cache changes how fast pySHACL runs, never what it finds."""

from __future__ import annotations

from pathlib import Path

from aqkg.intake.project_files import load_project_files
from aqkg.intake.rdf_input import parse_triples, to_rdflib
from aqkg.sparql.cache import prepared_query_cache
from aqkg.validation import shapes as shacl
from aqkg.validation.report import findings_from_report_graph

SUBMISSION = Path(__file__).parent / "fixtures/submissions/level-of-another-country.ttl"


def test_same_findings_with_and_without_the_cache() -> None:
    context = load_project_files()
    # the tourism standard and its qualifications (5,500 of 13,000 triples) reach no rule this
    # submission breaks; left out, pySHACL's two runs take half the time
    graphs = [g for g in context.graph_names() if "accstp" not in g and "/tourism" not in g]
    data = to_rdflib(
        context.dump_ntriples(graphs)
        + to_rdflib(parse_triples(SUBMISSION)).serialize(format="nt", encoding="utf-8")
    )
    _, plain_report = shacl.run_shacl(data)
    with prepared_query_cache():
        _, cached_report = shacl.run_shacl(data)
    plain = findings_from_report_graph(plain_report)
    assert plain == findings_from_report_graph(cached_report)
    assert any("TEST-002" in f.focus for f in plain)
