"""SELECT results as a terminal table, CSV, TSV or SPARQL 1.1 JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pyoxigraph as ox

from aqkg.store.embedded import SelectResult, Term
from aqkg.syntax.prefixes import PREFIXES, prefixed_name

# Shown unprefixed by `compact` (recognition wording); `short` prints what a query accepts.
COMPACT_PREFIXES = {
    PREFIXES[prefix]: f"{prefix}:" for prefix in ("aqkg", "id", "skos", "dcterms", "isco", "xsd")
}


def plain(term: Term | None) -> str:
    """The lexical value: an IRI as is, a literal's text, blank for unbound."""
    if term is None:
        return ""
    if isinstance(term, ox.Triple):
        return str(term)
    return str(term.value)


def short(term: Term | None, *, languages: bool = True) -> str:
    """Compact form for people that pastes back into a query: an IRI as a prefixed name of
    the predeclared prefixes (`id:country\\/PH`, `/` escaped as SPARQL 1.1 allows) or in
    angle brackets, literal text with its language tag (unless `languages` is False)."""
    if isinstance(term, ox.NamedNode):
        return prefixed_name(term.value)
    if languages and isinstance(term, ox.Literal) and term.language:
        return f"{term.value} @{term.language}"
    return plain(term)


def compact(iri: str) -> str:
    """An IRI shortened for reading only (`id:country/PH`, no escapes): wording, not query text."""
    for namespace, prefix in sorted(COMPACT_PREFIXES.items(), key=lambda item: -len(item[0])):
        if iri.startswith(namespace):
            return prefix + iri[len(namespace) :]
    return iri


def as_table(result: SelectResult, max_width: int = 60, *, languages: bool = False) -> str:
    """A terminal table of plain values (IRIs prefixed); with `languages`, each column that
    holds language-tagged text is followed by a column `<name>@` of its tags."""
    tagged = [languages and _has_tags(result, i) for i in range(len(result.variables))]
    names: list[str] = []
    for name, has_tags in zip(result.variables, tagged, strict=True):
        names += [name, f"{name}@"] if has_tags else [name]
    cells = []
    for row in result.rows:
        line: list[str] = []
        for term, has_tags in zip(row, tagged, strict=True):
            line.append(_clip(short(term, languages=False), max_width))
            if has_tags:
                line.append(term.language or "" if isinstance(term, ox.Literal) else "")
        cells.append(line)
    widths = [max([len(name), *(len(row[i]) for row in cells)]) for i, name in enumerate(names)]
    lines = [
        "  ".join(name.ljust(w) for name, w in zip(names, widths, strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.append(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
    return "\n".join(lines)


def _has_tags(result: SelectResult, column: int) -> bool:
    return any(
        isinstance(term := row[column], ox.Literal) and bool(term.language) for row in result.rows
    )


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def as_delimited(result: SelectResult, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(result.variables)
    writer.writerows([[defuse_formula(plain(t)) for t in row] for row in result.rows])
    return buffer.getvalue()


def table_csv(rows: Sequence[Mapping[str, object]]) -> str:
    """Rows of a table (the keys of the first are the columns) as CSV, formulas defused."""
    columns = list(rows[0]) if rows else []
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[defuse_formula(_cell(row.get(c))) for c in columns] for row in rows])
    return buffer.getvalue()


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def defuse_formula(text: str) -> str:
    """Stop spreadsheet programs from running a cell as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def as_json(result: SelectResult) -> str:
    bindings = [
        {
            name: _json_term(t)
            for name, t in zip(result.variables, row, strict=True)
            if t is not None
        }
        for row in result.rows
    ]
    payload = {"head": {"vars": result.variables}, "results": {"bindings": bindings}}
    return json.dumps(payload, indent=2, ensure_ascii=False)


def _json_term(term: Term) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        entry: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            entry["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            entry["datatype"] = term.datatype.value
        return entry
    return {"type": "triple", "value": str(term)}


def as_tsv(result: SelectResult) -> str:
    return as_delimited(result, "\t")


FORMATTERS: dict[str, Callable[[SelectResult], str]] = {
    "table": as_table,
    "csv": as_delimited,
    "tsv": as_tsv,
    "json": as_json,
}
