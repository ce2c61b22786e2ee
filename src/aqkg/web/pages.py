"""The page of every minted IRI, `/id/<type>/<...>`: HTML for people, Turtle, N-Triples and
JSON-LD for programs (docs/linked-data.md).

The IRI itself answers by content negotiation (200, `Content-Location` naming the document it
sent, `Vary: Accept`); the documents `<IRI>.html`, `.ttl`, `.nt` and `.jsonld` answer in one
format each. Codes may hold dots (`unit/ASEAN/D1.HBS.CL5.17`), so only these four endings are
read as formats, and only when the IRI without them names a record.

The page is built in a query worker (a `Task`), under the server's time limit like any query.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from urllib.parse import quote, urlencode

import pyoxigraph as ox

from aqkg.exports.downloads import Download
from aqkg.exports.records import ID_BASE, ONTOLOGY, Record, as_jsonld, as_rdf, read_record
from aqkg.sparql.jobs import Failure, Outcome, Success, Task
from aqkg.sparql.negotiation import negotiate
from aqkg.store.backend import Store

PREFIX = "/id/"
# extension -> media type; the first is what a client that states no preference gets
FORMATS = {
    "html": "text/html; charset=utf-8",
    "ttl": "text/turtle; charset=utf-8",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
}
ACCEPTED = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/n-triples": "nt",
    "application/x-turtle": "ttl",
    "application/json": "jsonld",
    "text/plain": "nt",
}
DCTERMS_SOURCE = "http://purl.org/dc/terms/source"
CURATION = ONTOLOGY + "curationStatus"
QUALIFICATION = ONTOLOGY + "Qualification"


class NotAcceptable(ValueError):
    """The Accept header names no format a record page is written in."""


def format_for(accept: str | None) -> str:
    chosen = negotiate(accept, ACCEPTED)
    if chosen is None:
        raise NotAcceptable(
            f"a record is offered as {', '.join(sorted(set(ACCEPTED)))}; not as {accept!r}"
        )
    return chosen


def record_task(path: str, format_name: str, base_url: str, explorer_url: str) -> Task:
    """The work of answering GET /id/<path>: `format_name` is what the Accept header chose."""
    return Task(
        answer,
        {"path": path, "format": format_name, "base": base_url, "explorer": explorer_url},
    )


def answer(store: Store, arguments: Mapping[str, str]) -> Outcome:
    """Run in a query worker: the record's document, or 404."""
    path, base = arguments["path"], arguments["base"]
    stem, dot, extension = path.rpartition(".")
    if dot and extension in FORMATS and "/" in stem:
        record = _read(store, stem)
        if record is not None:
            return _document(record, extension, base, arguments["explorer"])
    record = _read(store, path)
    if record is None:
        return Failure(404, f"no record <{ID_BASE}{path}> in the graph")
    chosen = arguments["format"]
    outcome = _document(record, chosen, base, arguments["explorer"])
    location = f"{base}{PREFIX}{quote(path)}.{chosen}"
    return Success(outcome.content_type, outcome.body, {"Content-Location": location})


def _read(store: Store, path: str) -> Record | None:
    try:
        return read_record(store, ID_BASE + path)
    except ValueError:  # not an IRI once the namespace is put in front (a space, say)
        return None


def _document(record: Record, format_name: str, base: str, explorer: str) -> Success:
    if format_name == "html":
        body = record_html(record, base, explorer).encode("utf-8")
    elif format_name == "jsonld":
        body = as_jsonld(record, f"{base}/context.jsonld")
    else:
        rdf_format = ox.RdfFormat.TURTLE if format_name == "ttl" else ox.RdfFormat.N_TRIPLES
        body = as_rdf(record, rdf_format)
    return Success(FORMATS[format_name], body)


# -- HTML -----------------------------------------------------------------------------------------

STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; color: #1a1a1a; background: #fff; margin: 0; }
header, main, footer { max-width: 60rem; margin: 0 auto; padding: 0.5rem 1rem; }
a { color: #0b57d0; } a:visited { color: #6b2fa3; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } .iri { font-family: monospace; color: #333; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left;
  vertical-align: top; padding: 0.3rem 0.5rem; border-bottom: 1px solid #ccc; }
th { width: 14rem; font-weight: 600; } ul { margin: 0; padding-left: 1.2rem; }
.status { display: inline-block; padding: 0.1rem 0.5rem; border: 1px solid #555;
  border-radius: 0.3rem; } .illustrative { background: #fff4ce; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 1rem; }
"""


def page(title: str, body: str, head: str = "") -> str:
    """An HTML document around `body` (already escaped), with the site's style."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>{head}<style>{STYLE}</style></head><body>{body}"
        "</body></html>\n"
    )


def record_html(record: Record, base: str, explorer: str) -> str:
    iri = record.iri
    title = record.label(iri)
    path = iri.removeprefix(ID_BASE)
    kinds = ", ".join(_link(t, record, base) for t in record.types) or "record"
    alternates = "".join(
        f'<link rel="alternate" type="{escape(media.split(";")[0])}" '
        f'href="{escape(_record_url(iri, base))}.{ext}">'
        for ext, media in FORMATS.items()
        if ext != "html"
    )
    rows = []
    for predicate in dict.fromkeys(p for p, _ in record.statements):
        values = [o for p, o in record.statements if p == predicate]
        if predicate == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type":
            continue
        cells = [_value(v, record, base) for v in values]
        shown = (
            cells[0]
            if len(cells) == 1
            else "<ul>" + "".join(f"<li>{c}</li>" for c in cells) + "</ul>"
        )
        rows.append(
            f'<tr><th scope="row">{_link(predicate, record, base)}</th><td>{shown}</td></tr>'
        )
    statuses = [o for p, o in record.statements if p == CURATION and isinstance(o, ox.NamedNode)]
    status = (
        "".join(
            f'<p>Curation status: <span class="status {escape(record.label(s.value).lower())}">'
            f"{_link(s.value, record, base)}</span></p>"
            for s in statuses
        )
        or "<p>Curation status: not stated.</p>"
    )
    sources = [o for p, o in record.statements if p == DCTERMS_SOURCE]
    source_list = (
        "<ul>" + "".join(f"<li>{_value(s, record, base)}</li>" for s in sources) + "</ul>"
        if sources
        else "<p>No source is recorded for this record.</p>"
    )
    incoming = "".join(
        f"<li>{_link(s, record, base)} <span>({escape(record.label(p))})</span></li>"
        for s, p in record.incoming
    )
    body = (
        f'<header><nav aria-label="site"><ul>{_site_links(record, base, explorer)}</ul></nav>'
        "</header>"
        f"<main><h1>{escape(title)}</h1>"
        f'<p class="iri">{escape(iri)}</p><p>A {kinds}.</p>{status}'
        f'<h2>Statements</h2><table><caption class="visually-hidden">What the graph states about '
        f"{escape(title)}</caption><tbody>{''.join(rows)}</tbody></table>"
        f"<h2>Sources</h2>{source_list}"
        f"<h2>Records that refer to this one</h2>"
        + (f"<ul>{incoming}</ul>" if incoming else "<p>None.</p>")
        + "<h2>This record as data</h2><ul>"
        + "".join(
            f'<li><a href="{escape(_record_url(iri, base))}.{ext}">{name}</a></li>'
            for ext, name in (("ttl", "Turtle"), ("jsonld", "JSON-LD"), ("nt", "N-Triples"))
        )
        + "</ul></main>"
        f"<footer><p>From the ASEAN qualifications knowledge graph (aqkg). "
        f"Record path: {escape(path)}</p></footer>"
    )
    return page(f"{title} - aqkg", body, alternates)


def _site_links(record: Record, base: str, explorer: str) -> str:
    links = [("/sparql", "SPARQL endpoint"), ("/ontology", "Ontology"), ("/downloads", "Downloads")]
    items = [f'<li><a href="{escape(base + href)}">{name}</a></li>' for href, name in links]
    if QUALIFICATION in record.types:
        reference = record.iri.removeprefix(ID_BASE + "qualification/")
        api = f"{base}/api/recognise?" + urlencode({"qualification": reference, "to": "all"})
        items.append(f'<li><a href="{escape(api)}">Recognise from here (JSON)</a></li>')
        if explorer:
            query = urlencode({"qualification": reference})
            items.append(
                f'<li><a href="{escape(explorer)}/recognition?{escape(query)}">'
                "Recognise from here (explorer)</a></li>"
                f'<li><a href="{escape(explorer)}/qualifications?{escape(query)}">'
                "Open in the explorer</a></li>"
            )
    elif explorer:
        items.append(f'<li><a href="{escape(explorer)}/">Open the explorer</a></li>')
    return "".join(items)


def _value(value: ox.NamedNode | ox.BlankNode | ox.Literal, record: Record, base: str) -> str:
    if isinstance(value, ox.NamedNode):
        return _link(value.value, record, base)
    if isinstance(value, ox.BlankNode):
        return escape(f"_:{value.value}")
    text = escape(value.value)
    if value.language:
        return f'<span lang="{escape(value.language)}">{text}</span>'
    if value.value.startswith(("http://", "https://")):
        return f'<a href="{text}">{text}</a>'
    return text


def _link(iri: str, record: Record, base: str) -> str:
    """A link to the IRI's page here when the graph mints it, else to the IRI itself."""
    return f'<a href="{escape(_href(iri, base))}">{escape(record.label(iri))}</a>'


def _href(iri: str, base: str) -> str:
    if iri.startswith(ID_BASE):
        return _record_url(iri, base)
    if iri.startswith(ONTOLOGY):
        return f"{base}/ontology#{quote(iri.removeprefix(ONTOLOGY))}"
    return iri


def _record_url(iri: str, base: str) -> str:
    return f"{base}{PREFIX}{quote(iri.removeprefix(ID_BASE))}"


# -- /downloads -----------------------------------------------------------------------------------


def downloads_html(files: list[Download], base: str) -> str:
    rows = "".join(
        f'<tr><td><a href="{escape(base)}/downloads/{escape(quote(f.name))}">{escape(f.name)}</a>'
        f"</td><td>{escape(f.description)}</td><td>{escape(f.media_type.split(';')[0])}</td>"
        f'<td data-bytes="{f.size}">{_size(f.size)}</td><td>{escape(f.made)}</td></tr>'
        for f in files
    )
    body = (
        "<main><h1>Downloads</h1><p>Made from the store this server reads, and made again when "
        "the store changes. The mapping set is SSSOM/TSV; the other files hold the graph.</p>"
        "<table><caption>Files of the ASEAN qualifications knowledge graph</caption><thead><tr>"
        '<th scope="col">file</th><th scope="col">what</th><th scope="col">media type</th>'
        '<th scope="col">size</th><th scope="col">made (UTC)</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></main>"
    )
    return page("Downloads - aqkg", body)


def _size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"
