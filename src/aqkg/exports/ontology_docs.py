"""The ontology's HTML documentation, generated from ontology/ with pyLODE.

Every term of the aqkg namespace gets its local name as its anchor (`#Qualification`,
`#requiresUnit`), so `https://w3id.org/aqkg/ontology#Qualification` resolves to its entry once
`/ontology` serves this page; pyLODE would otherwise derive anchors from the labels
("qualification"), which differ from the IRIs in case. The page is written to
docs/ontology/index.html (`python -m aqkg.docs.ontology`), checked current by the tests, and
served by `aqkg serve` at /ontology.
"""

from __future__ import annotations

import logging
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from aqkg.paths import ontology_dir

if TYPE_CHECKING:  # rdflib and pyLODE are imported when the page is made, not with the server
    import rdflib

NAMESPACE = "https://w3id.org/aqkg/ontology#"


def ontology_html(folder: Path | None = None) -> str:
    """The documentation page of the ontology files in `folder` (default: ontology/)."""
    import rdflib

    graph = rdflib.Graph()
    for path in sorted((folder or ontology_dir()).glob("*.ttl")):
        graph.parse(path, format="turtle")
    # pyLODE logs its progress at INFO on the root logger; a server's log is no place for it
    level = logging.root.level
    logging.root.setLevel(logging.WARNING)
    try:
        from pylode import OntPub  # imported here: it loads its background ontologies on import

        documentation = OntPub(ontology=graph)
        terms = {str(s) for s in graph.subjects() if str(s).startswith(NAMESPACE)}
        documentation.fids.update({term: term.removeprefix(NAMESPACE) for term in sorted(terms)})
        html: str = documentation.make_html()
    finally:
        logging.root.setLevel(level)
    html = html.replace(NAMESPACES_SECTION, _individuals_section(graph) + NAMESPACES_SECTION, 1)
    return html if html.endswith("\n") else html + "\n"


NAMESPACES_SECTION = '<div id="namespaces">'
SKOS_DEFINITION = "http://www.w3.org/2004/02/skos/core#definition"


def _individuals_section(graph: rdflib.Graph) -> str:
    """The named individuals (match types, curation statuses, ...), which pyLODE's OntPub
    profile leaves out, in its markup: their IRIs (aqkg:ExactMatch) resolve here too."""
    import rdflib

    entries = []
    individuals = sorted(
        {s for s in graph.subjects(rdflib.RDF.type, rdflib.OWL.NamedIndividual)}, key=str
    )
    for individual in individuals:
        if not str(individual).startswith(NAMESPACE):
            continue
        local = str(individual).removeprefix(NAMESPACE)
        label = graph.value(individual, rdflib.RDFS.label) or local
        definition = graph.value(individual, rdflib.URIRef(SKOS_DEFINITION)) or ""
        kinds = sorted(
            str(t).removeprefix(NAMESPACE)
            for t in graph.objects(individual, rdflib.RDF.type)
            if str(t).startswith(NAMESPACE)
        )
        types = ", ".join(f'<a href="#{escape(k)}">{escape(k)}</a>' for k in kinds)
        entries.append(
            f'<div class="entity" id="{escape(local)}"><h3>{escape(str(label))}</h3><table>'
            f"<tr><th>IRI</th><td><code>{escape(str(individual))}</code></td></tr>"
            f"<tr><th>Description</th><td><p>{escape(str(definition))}</p></td></tr>"
            f"<tr><th>Type</th><td>{types}</td></tr></table></div>\n"
        )
    return (
        '<div class="section" id="namedindividuals"><h2>Named Individuals</h2>\n'
        + "".join(entries)
        + "</div>\n"
    )
