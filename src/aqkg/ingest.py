"""`aqkg ingest`: a filled submission template (XLSX workbook or CSV folder) -> RDF triples.

Follows the declarative mapping of `aqkg.templates` (data/templates/mapping.json) and keeps,
for every triple and every record, the sheet, row and column it came from, so validation
findings can be reported where an officer can fix them. IRIs are deterministic: built from
the codes in the key columns (`id/qualification/PH/<code>`), so re-ingesting the same sheet
gives the same graph. Problems found while reading (a bad date, a value not in a list, a code
used twice in a sheet, a code that cannot be an identifier) are returned as findings with
their cell, not raised: only unusable input (no file, too big, not a workbook, no country)
raises IngestError.

Reading is safe for files from the public: values are read, never formulas
(openpyxl data_only), files over MAX_SPREADSHEET_BYTES (or unpacking to over
MAX_UNPACKED_BYTES) or sheets over MAX_ROWS are refused, a hidden sheet is reported, and nothing
is fetched from the network.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from aqkg.templates import (
    ABOUT_SHEET,
    FIRST_DATA_ROW,
    FORMULA_STARTS,
    ColumnSpec,
    Mapping,
    SheetSpec,
    TemplateError,
    check_country,
    load_mapping,
)

MAX_SPREADSHEET_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 50_000
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


class IngestError(Exception):
    """The input cannot be read as a submission template; the message is one line."""


@dataclass(frozen=True)
class SheetFinding:
    """One problem, located where the officer can fix it."""

    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    severity: str
    problem: str
    fix: str
    focus: str | None = None
    path: str | None = None
    shape: str | None = None


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


Row = dict[str, str | None]


@dataclass
class Table:
    name: str
    headers: list[str]
    rows: list[tuple[int, Row]]
    hidden: bool = False


# -- reading tables ------------------------------------------------------------------------


def read_tables(path: Path) -> dict[str, Table]:
    """Every sheet (or CSV file) as a table keyed by lower-case name; rows numbered as shown,
    from row 2 (the description and example rows are dropped by the sheet reader)."""
    if path.is_dir():
        return _read_csv_folder(path)
    if not path.is_file():
        raise IngestError(f"{path}: no such file or folder")
    if path.suffix.lower() != ".xlsx":
        raise IngestError(f"{path}: give an .xlsx workbook or a folder of CSV files")
    _check_size(path)
    return _read_workbook(path)


def _check_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_SPREADSHEET_BYTES:
        raise IngestError(
            f"{path}: {size} bytes is over the {MAX_SPREADSHEET_BYTES} byte limit; split the file"
        )


def _read_workbook(path: Path) -> dict[str, Table]:
    from openpyxl import load_workbook

    _check_unpacked_size(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            tables = {}
            for sheet in workbook.worksheets:
                table = _table(sheet.title, sheet.iter_rows(values_only=True), path)
                table.hidden = sheet.sheet_state != "visible"
                tables[sheet.title.strip().lower()] = table
            return tables
        finally:
            workbook.close()
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, OSError) as error:
        raise IngestError(f"{path}: not a readable .xlsx workbook ({error})") from None
    except SyntaxError as error:  # xml.etree's ParseError: malformed XML, an entity bomb
        raise IngestError(f"{path}: not a readable .xlsx workbook (bad XML: {error})") from None


def _check_unpacked_size(path: Path) -> None:
    """Refuse a workbook that unpacks to more than MAX_UNPACKED_BYTES (a 'zip bomb': a few MB
    of compressed XML can unpack to GBs, which openpyxl would read into memory). zipfile never
    unpacks more than the sizes checked here."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as error:
        raise IngestError(f"{path}: not a readable .xlsx workbook ({error})") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise IngestError(
            f"{path}: unpacks to {unpacked} bytes, over the {MAX_UNPACKED_BYTES} byte limit; "
            "split the file"
        )


def _read_csv_folder(folder: Path) -> dict[str, Table]:
    tables = {}
    for file in sorted(folder.glob("*.csv")):
        _check_size(file)
        try:
            with file.open(encoding="utf-8-sig", newline="") as handle:
                rows = (tuple(_uncsv(v) for v in row) for row in csv.reader(handle))
                tables[file.stem.strip().lower()] = _table(file.stem, rows, file)
        except UnicodeDecodeError as error:
            raise IngestError(
                f"{file}: not UTF-8 text ({error.reason} at byte {error.start}); "
                "save it as 'CSV UTF-8'"
            ) from None
        except csv.Error as error:  # e.g. a field over csv.field_size_limit()
            raise IngestError(f"{file}: not readable as CSV ({error})") from None
    if not tables:
        raise IngestError(f"{folder}: no CSV files in this folder")
    return tables


def _uncsv(value: str) -> str:
    """Undo the ' that protects CSV text from being read as a formula."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def _table(name: str, rows: Iterator[tuple[object, ...]], origin: Path) -> Table:
    headers: list[str] = []
    table = Table(name.strip().lower(), headers, [])
    for number, values in enumerate(rows, start=1):
        if number > MAX_ROWS:
            raise IngestError(f"{origin}: sheet {name} has over {MAX_ROWS} rows; split the file")
        cells = [_normalise(v) for v in values]
        if number == 1:
            headers.extend((c or "").strip().lower() for c in cells)
        elif any(cells):
            table.rows.append((number, dict(zip(headers, cells, strict=False))))
    return table


def _normalise(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


# -- ingest --------------------------------------------------------------------------------


def ingest(path: Path, country: str | None = None) -> Ingested:
    """Read a filled template into triples with provenance and cell-level findings."""
    tables = read_tables(path)
    country = _country(tables, country, path)
    mapping = load_mapping()
    result = Ingested(country, str(path))
    known = {spec.name for spec in mapping.sheets} | {ABOUT_SHEET, "lists"}
    for name, table in tables.items():
        if name not in known:
            result.findings.append(_warning(table.name, None, None, f"sheet {table.name!r}"))
        elif table.hidden and name != "lists":  # rows nobody looked at would be published
            result.findings.append(_hidden(table.name))
    for spec in mapping.sheets:
        if spec.name in tables:
            _SheetReader(mapping, spec, result).read(tables[spec.name])
    # Only warnings and no triples: nothing to submit, and publishing it would empty the
    # country's graph.
    if not result.triples and all(f.severity != "Violation" for f in result.findings):
        raise IngestError(f"{path}: no records found (data starts at row {FIRST_DATA_ROW})")
    return result


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
