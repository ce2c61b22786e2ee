"""`aqkg ingest`: a filled submission template (XLSX workbook or CSV folder) -> RDF triples.

Follows the declarative mapping of `aqkg.intake.templates` (data/templates/mapping.json) and keeps,
for every triple and every record, the sheet, row and column it came from, so validation
findings can be reported where an officer can fix them. IRIs are deterministic: built from
the codes in the key columns (`id/qualification/PH/<code>`), so re-ingesting the same sheet
gives the same graph. Problems found while reading (a bad date, a value not in a list, a code
used twice in a sheet, a code that cannot be an identifier) are returned as findings with
their cell, not raised: only unusable input (no file, too big, not a workbook, no country)
raises IngestError.

The tables are read by `aqkg.intake.sheet_input` (every row, bounded memory, safe for files from the
public). Sheets are matched to the template by their exact names, trimmed: a twin differing
only by case or spaces, or a sheet the template does not have, is a violation naming it, and a
hidden sheet is reported.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from aqkg.intake.sheet_input import (
    MAX_SPREADSHEET_BYTES,
    IngestError,
    Row,
    SheetFinding,
    Table,
    read_tables,
)
from aqkg.intake.templates import (
    ABOUT_SHEET,
    FIRST_DATA_ROW,
    LISTS_SHEET,
    ColumnSpec,
    Mapping,
    SheetSpec,
    TemplateError,
    check_country,
    load_mapping,
)

__all__ = ["MAX_SPREADSHEET_BYTES", "IngestError", "SheetFinding", "ingest"]
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS_PREFLABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
XSD = "http://www.w3.org/2001/XMLSchema#"

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
REFERENCE = re.compile(r"^(?:(?P<country>[A-Z]{2}|ASEAN)/)?(?P<code>[A-Za-z0-9][A-Za-z0-9._-]*)$")
ABSOLUTE_IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
PLACEHOLDER = re.compile(r"\{(\w+)\}")

LITERAL_FORMS = {
    "xsd:integer": (re.compile(r"^-?\d+$"), "write a whole number, such as 5"),
    "xsd:decimal": (re.compile(r"^-?\d+(\.\d+)?$"), "write a number with a point, such as 0.8"),
    "xsd:date": (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "write a date as YYYY-MM-DD"),
    "xsd:gYear": (re.compile(r"^\d{4}$"), "write a year with four digits, such as 2019"),
}


@dataclass(frozen=True)
class CellRef:
    sheet: str
    row: int
    column: str | None
    value: str | None


@dataclass
class Provenance:
    """Where each record and triple of an ingested template came from."""

    rows: dict[str, tuple[str, int]] = field(default_factory=dict)
    cells: dict[tuple[str, str, str], CellRef] = field(default_factory=dict)
    columns: dict[tuple[str, str], str] = field(default_factory=dict)

    def locate(self, focus: str, path: str | None, value: str | None) -> CellRef | None:
        """The cell behind a finding on (focus, path, value), or at least its row."""
        if path and value is not None and (focus, path, value) in self.cells:
            return self.cells[(focus, path, value)]
        if focus not in self.rows:
            return None
        sheet, row = self.rows[focus]
        column = self.columns.get((sheet, path)) if path else None
        return CellRef(sheet, row, column, value)


@dataclass
class Ingested:
    country: str
    source: str
    triples: list[ox.Triple] = field(default_factory=list)
    provenance: Provenance = field(default_factory=Provenance)
    findings: list[SheetFinding] = field(default_factory=list)

    @property
    def records(self) -> int:
        return len(self.provenance.rows)


# -- ingest --------------------------------------------------------------------------------


def ingest(path: Path, country: str | None = None) -> Ingested:
    """Read a filled template into triples with provenance and cell-level findings."""
    mapping = load_mapping()
    known = [spec.name for spec in mapping.sheets] + [ABOUT_SHEET, LISTS_SHEET]
    tables, findings = _match_sheets(read_tables(path), known)
    country = _country(tables, country, path)
    result = Ingested(country, str(path), findings=findings)
    for name, table in tables.items():
        result.findings.extend(table.findings)
        if table.hidden and name != LISTS_SHEET:  # rows nobody looked at would be published
            result.findings.append(_hidden(table.name))
    for spec in mapping.sheets:
        if spec.name in tables:
            _SheetReader(mapping, spec, result).read(tables[spec.name])
    # Only warnings and no triples: nothing to submit, and publishing it would empty the
    # country's graph.
    if not result.triples and all(f.severity != "Violation" for f in result.findings):
        raise IngestError(f"{path}: no records found (data starts at row {FIRST_DATA_ROW})")
    return result


def _match_sheets(
    tables: list[Table], known: list[str]
) -> tuple[dict[str, Table], list[SheetFinding]]:
    """The template's sheets by name, matched exactly after trimming spaces. A second sheet
    with the same name or one differing only by case or spaces, and a sheet the template does
    not have, are violations naming the sheets: their rows are not read."""
    matched: dict[str, Table] = {}
    findings = []
    seen: dict[str, Table] = {}
    # exact names first, so the template's own sheet is the one read
    for table in sorted(tables, key=lambda t: t.key not in known):
        loose = _loose(table.key)
        if loose in seen:
            findings.append(_twin(seen[loose], table))
            continue
        seen[loose] = table
        if table.key in known:
            matched[table.key] = table
        elif table.rows or any(table.headers):
            findings.append(_unknown(table, next((k for k in known if _loose(k) == loose), None)))
    return matched, findings


def _loose(name: str) -> str:
    return "".join(name.lower().split())


def _twin(first: Table, second: Table) -> SheetFinding:
    return SheetFinding(
        second.name,
        None,
        None,
        None,
        "Violation",
        f"sheets {first.name!r} and {second.name!r} have one name, but for case or spaces: "
        f"only {first.name!r} is read",
        f"Move the rows of {second.name!r} into {first.name!r} and delete {second.name!r}.",
    )


def _unknown(table: Table, like: str | None) -> SheetFinding:
    if like is not None:
        problem = f"sheet {table.name!r} is named like the template's {like!r}, but not exactly"
        fix = f"Rename it {like!r}: its rows are not read."
    else:
        problem = f"sheet {table.name!r} is not part of the template: its rows are not read"
        fix = "Move its rows to the template's sheets, or delete the sheet."
    return SheetFinding(table.name, None, None, None, "Violation", problem, fix)


def _country(tables: dict[str, Table], given: str | None, path: Path) -> str:
    about = tables.get(ABOUT_SHEET)
    stated = None
    if about is not None:
        stated = next((r.get("value") for _, r in about.rows if r.get("key") == "country"), None)
    if given and stated and given.strip().upper() != stated.strip().upper():
        raise IngestError(f"{path}: the template is for {stated}, not {given}")
    chosen = given or stated
    if not chosen:
        raise IngestError(f"{path}: no country: give --country XX or fill the about sheet")
    try:
        return check_country(chosen)
    except TemplateError as error:
        raise IngestError(f"{path}: {error}") from None


def _hidden(sheet: str) -> SheetFinding:
    return SheetFinding(
        sheet,
        None,
        None,
        None,
        "Warning",
        f"sheet {sheet!r} is hidden: its rows are read and would be published all the same",
        "Unhide it (right-click a sheet tab, Unhide) and check its rows.",
    )


def _warning(sheet: str, row: int | None, column: str | None, what: str) -> SheetFinding:
    return SheetFinding(
        sheet, row, column, None, "Warning", f"{what} is not part of the template", "It is ignored."
    )


class _SheetReader:
    def __init__(self, mapping: Mapping, spec: SheetSpec, result: Ingested) -> None:
        self.mapping, self.spec, self.result = mapping, spec, result
        self.seen: dict[str, int] = {}
        for column in spec.columns:
            for prop in (column.property, *column.also):
                if prop:
                    result.provenance.columns[(spec.name, mapping.expand(prop))] = column.name

    def read(self, table: Table) -> None:
        for index, header in enumerate(table.headers, start=1):
            if header and self.spec.column(header) is None:
                self.result.findings.append(
                    _warning(self.spec.name, 1, header, f"column {header!r} (column {index})")
                )
        for number, row in table.rows:
            if number >= FIRST_DATA_ROW:
                self._row(number, row)

    def _problem(
        self, row: int, column: ColumnSpec | None, value: str | None, problem: str, fix: str
    ) -> None:
        name = column.name if column else None
        self.result.findings.append(
            SheetFinding(self.spec.name, row, name, value, "Violation", problem, fix)
        )

    def _row(self, number: int, row: Row) -> None:
        keys = [c for c in self.spec.columns if c.key]
        for column in keys:
            value = row.get(column.name)
            if value is None:
                self._problem(
                    number,
                    column,
                    None,
                    f"no {column.name}",
                    f"Give the {column.name}: every row needs it to identify the record.",
                )
                return None
            if not CODE.match(value):
                self._problem(
                    number,
                    column,
                    value,
                    "this code cannot be used as an identifier",
                    "Use only letters, digits, '-', '_' and '.', starting with a letter or digit.",
                )
                return None
        placeholders = self._placeholders(number, row)
        if placeholders is None:
            return None
        subject = self.mapping.expand(_fill(self.spec.subject, placeholders))
        if subject in self.seen:
            return self._duplicate(number, row, keys[0], subject)
        self.seen[subject] = number
        self.result.provenance.rows[subject] = (self.spec.name, number)
        self._emit_fixed(number, subject, placeholders)
        illustrative = self._illustrative(row)
        for column in self.spec.columns:
            if column.property and row.get(column.name) is not None:
                prop = (illustrative and column.illustrative_property) or column.property
                text = row[column.name] or ""
                self._emit_column(number, subject, column, text, placeholders, prop)
        return None

    def _illustrative(self, row: Row) -> bool:
        """Whether the row is curated as illustrative (its curation-status cell says so)."""
        return any(
            column.vocabulary == "curation-status"
            and self._lookup(column, row.get(column.name) or "") == "aqkg:Illustrative"
            for column in self.spec.columns
        )

    def _duplicate(self, number: int, row: Row, key: ColumnSpec, subject: str) -> None:
        first = self.seen[subject]
        record = self.spec.name.rstrip("s")
        self._problem(
            number,
            key,
            row.get(key.name),
            f"this {record} code is already used in row {first}",
            f"Give each {record} its own code, or merge rows {first} and {number}.",
        )

    def _placeholders(self, number: int, row: Row) -> dict[str, str] | None:
        values = {"country": self.result.country}
        for column in self.spec.columns:
            value = row.get(column.name)
            if value is None:
                if column.required:
                    self._problem(
                        number,
                        column,
                        None,
                        f"no {column.name}",
                        f"Give the {column.name}: {column.description}",
                    )
                    return None
                continue
            if column.vocabulary and not column.multiple:
                # columns with a property report a bad value when they are emitted
                mapped = self._lookup(column, value)
                if mapped is None and column.property is None:
                    self._vocabulary(number, column, value)
                    return None
                value = mapped or value
            values[column.name] = value
        return values

    def _lookup(self, column: ColumnSpec, value: str) -> str | None:
        vocabulary = self.mapping.vocabularies[column.vocabulary or ""]
        return vocabulary.get(" ".join(value.lower().split()))

    def _vocabulary(self, number: int, column: ColumnSpec, value: str) -> str | None:
        mapped = self._lookup(column, value)
        if mapped is not None:
            return mapped
        vocabulary = self.mapping.vocabularies[column.vocabulary or ""]
        self._problem(
            number,
            column,
            value,
            f"{value!r} is not an allowed {column.name}",
            f"Choose one of: {', '.join(vocabulary)}.",
        )
        return None

    def _emit_fixed(self, number: int, subject: str, placeholders: dict[str, str]) -> None:
        for type_name in self.spec.types:
            self._add(number, None, None, subject, RDF_TYPE, self._iri(type_name))
        for prop, template in self.spec.constants:
            obj = self._iri(_fill(template, placeholders))
            self._add(number, None, None, subject, self.mapping.expand(prop), obj)
        if self.spec.label:
            label = ox.Literal(_fill(self.spec.label, placeholders), language="en")
            self._add(number, None, None, subject, SKOS_PREFLABEL, label)

    def _emit_column(
        self,
        number: int,
        subject: str,
        column: ColumnSpec,
        text: str,
        values: dict[str, str],
        main_property: str | None,
    ) -> None:
        items = [i.strip() for i in re.split(r"[;\n]", text)] if column.multiple else [text]
        for item in filter(None, items):
            obj = self._object(number, column, item, values)
            if obj is None:
                continue
            for prop in (main_property, *column.also):
                if prop:
                    self._add(number, column, item, subject, self.mapping.expand(prop), obj)

    def _object(
        self, number: int, column: ColumnSpec, item: str, values: dict[str, str]
    ) -> ox.NamedNode | ox.Literal | None:
        if column.vocabulary:
            mapped = self._vocabulary(number, column, item)
            return self._iri(mapped) if mapped else None
        if column.iri:
            return self._reference(number, column, item, values)
        if column.lang:
            return ox.Literal(item, language=column.lang)
        return self._literal(number, column, item)

    def _reference(
        self, number: int, column: ColumnSpec, item: str, values: dict[str, str]
    ) -> ox.NamedNode | None:
        template = column.iri or ""
        if "{iri}" in template:
            if ABSOLUTE_IRI.match(item):
                return ox.NamedNode(item)
            fix = "Give a full web address starting with http:// or https://, without spaces."
            self._problem(number, column, item, "not a web address", fix)
            return None
        match = REFERENCE.match(item)
        if match is None or (match["country"] and "{ref}" not in template):
            self._problem(
                number,
                column,
                item,
                "this code cannot be used as an identifier",
                "Use only letters, digits, '-', '_' and '.'"
                + (" (XX/CODE for another country's record)." if "{ref}" in template else "."),
            )
            return None
        ref = item if match["country"] else f"{self.result.country}/{item}"
        try:
            return self._iri(_fill(template, {**values, "value": item, "ref": ref}))
        except KeyError as missing:
            fix = f"Fill the {missing.args[0]} column of this row first."
            self._problem(number, column, item, "cannot tell what this refers to", fix)
            return None

    def _literal(self, number: int, column: ColumnSpec, item: str) -> ox.Literal | None:
        datatype = column.datatype or "xsd:string"
        form = LITERAL_FORMS.get(datatype)
        if form and not form[0].match(item):
            self._problem(number, column, item, f"not a valid {column.name}", form[1] + ".")
            return None
        if datatype == "xsd:date":
            try:
                dt.date.fromisoformat(item)
            except ValueError:
                self._problem(number, column, item, "no such date", "Check day and month.")
                return None
        return ox.Literal(item, datatype=ox.NamedNode(self.mapping.expand(datatype)))

    def _iri(self, name: str) -> ox.NamedNode:
        return ox.NamedNode(self.mapping.expand(name))

    def _add(
        self,
        number: int,
        column: ColumnSpec | None,
        cell: str | None,
        subject: str,
        predicate: str,
        obj: ox.NamedNode | ox.Literal,
    ) -> None:
        self.result.triples.append(ox.Triple(ox.NamedNode(subject), ox.NamedNode(predicate), obj))
        ref = CellRef(self.spec.name, number, column.name if column else None, cell)
        self.result.provenance.cells.setdefault((subject, predicate, obj.value), ref)


def _fill(template: str, values: dict[str, str]) -> str:
    """Replace {name} placeholders; a missing one raises KeyError(name)."""
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


# -- output --------------------------------------------------------------------------------


def to_turtle(ingested: Ingested) -> bytes:
    prefixes = dict(load_mapping().prefixes)
    triples = sorted(set(ingested.triples), key=str)
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""


def write_turtle(ingested: Ingested, out: Path) -> None:
    try:
        out.write_bytes(to_turtle(ingested))
    except OSError as error:
        raise IngestError(f"{out}: cannot be written: {error.strerror or error}") from None
