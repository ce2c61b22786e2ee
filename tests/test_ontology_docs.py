"""The ontology's HTML documentation (docs/ontology/index.html, made with pyLODE) is current,
and every term of the aqkg namespace has its local name as its anchor."""

from __future__ import annotations

import re
from pathlib import Path

import rdflib

from aqkg.exports.ontology_docs import NAMESPACE, ontology_html

PAGE = Path(__file__).resolve().parents[1] / "docs" / "ontology" / "index.html"


def test_the_ontology_page_is_current() -> None:
    """Compared line by line, in any order: pyLODE lists the members of an owl:unionOf from a
    Python set, so their order changes from run to run while the page says the same."""
    committed = PAGE.read_text(encoding="utf-8")
    assert sorted(committed.splitlines()) == sorted(ontology_html().splitlines()), (
        "docs/ontology/index.html is out of date: "
        "python -m aqkg.docs.ontology > docs/ontology/index.html"
    )


def test_every_term_has_its_local_name_as_anchor() -> None:
    graph = rdflib.Graph()
    for path in (PAGE.parents[2] / "ontology").glob("*.ttl"):
        graph.parse(path)
    terms = {
        str(s).removeprefix(NAMESPACE) for s in graph.subjects() if str(s).startswith(NAMESPACE)
    }
    anchors = set(re.findall(r'id="([^"]+)"', PAGE.read_text(encoding="utf-8")))
    assert {"Qualification", "requiresUnit", "MappingRecord"} <= terms
    assert terms - {""} <= anchors
