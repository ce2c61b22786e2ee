"""Country submission templates: the declarative mapping and the blank workbooks made from it.

`data/templates/mapping.json` is the one description of the template: one sheet per kind of
record (sources, organisations, framework, levels, referencing, alignments, occupations,
standards, units, qualifications, mappings), each with the class of its records, the IRI
template built from codes (`qualification/{country}/{code}`, as docs/model.md fixes them) and,
per column, the property, datatype, language, IRI template or controlled vocabulary. The
template writer here and the reader in `aqkg.intake.ingest` both follow it, so they cannot drift.

Why not morph-kgc/RML: it would pull in pandas and a large dependency tree for eleven flat
sheets, it reads CSV/SQL rather than XLSX cells with data validation, and it does not report
which cell produced which triple. Validation findings must point officers to sheet, row and
column, so the ingest keeps that provenance itself (about 200 lines in `aqkg.intake.ingest`).

Layout of every sheet (and of every CSV file of a template folder): row 1 the column names,
row 2 what goes in each column, row 3 an example, data from row 4. A workbook also holds an
`about` sheet (the country code) and a hidden `lists` sheet feeding the drop-down lists.
Nothing written here can become a formula: text starting with = + - @ is written as text in
XLSX and prefixed with ' in CSV.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from aqkg.paths import GRAPH_BASE, data_dir
from aqkg.sparql.member_states import member_state_codes
from aqkg.store.embedded import EmbeddedStore

FIRST_DATA_ROW = 4
LAST_VALIDATED_ROW = 2000
ABOUT_SHEET = "about"
LISTS_SHEET = "lists"
FORMULA_STARTS = ("=", "+", "-", "@")


class TemplateError(Exception):
    """A template cannot be written; the message is one line."""


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    description: str
    example: str = ""
    key: bool = False
    required: bool = False
    property: str | None = None
    # what the column states instead on a row curated as illustrative: a made-up record cites
    # no source, it names what it was modelled on (docs/curation.md)
    illustrative_property: str | None = None
    also: tuple[str, ...] = ()
    datatype: str | None = None
    lang: str | None = None
    iri: str | None = None
    vocabulary: str | None = None
    list: str | None = None
    multiple: bool = False


@dataclass(frozen=True)
class SheetSpec:
    name: str
    description: str
    subject: str
    columns: tuple[ColumnSpec, ...]
    types: tuple[str, ...] = ()
    constants: tuple[tuple[str, str], ...] = ()
    label: str | None = None

    def column(self, name: str) -> ColumnSpec | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class Mapping:
    base: str
    prefixes: dict[str, str]
    vocabularies: dict[str, dict[str, str]]
    lists: dict[str, str]
    sheets: tuple[SheetSpec, ...] = field(default_factory=tuple)

    def expand(self, name: str) -> str:
        """A prefixed name (aqkg:Verified) or an id-relative path as a full IRI."""
        prefix, _, local = name.partition(":")
        if prefix in self.prefixes and not local.startswith("//"):
            return self.prefixes[prefix] + local
        return name if "://" in name else self.base + name

    def sheet(self, name: str) -> SheetSpec | None:
        return next((s for s in self.sheets if s.name == name), None)


def mapping_path() -> Path:
    return data_dir() / "templates" / "mapping.json"


@cache
def load_mapping(path: Path | None = None) -> Mapping:
    """The declarative mapping (data/templates/mapping.json)."""
    raw = json.loads((path or mapping_path()).read_text(encoding="utf-8"))
    sheets = tuple(_sheet_spec(sheet) for sheet in raw["sheets"])
    return Mapping(raw["base"], raw["prefixes"], raw["vocabularies"], raw["lists"], sheets)


def _sheet_spec(raw: dict[str, Any]) -> SheetSpec:
    columns = tuple(
        ColumnSpec(**{**column, "also": tuple(column.get("also", ()))}) for column in raw["columns"]
    )
    return SheetSpec(
        name=raw["name"],
        description=raw["description"],
        subject=raw["subject"],
        columns=columns,
        types=tuple(raw.get("types", ())),
        constants=tuple((p, o) for p, o in raw.get("constants", ())),
        label=raw.get("label"),
    )


def check_country(country: str) -> str:
    code = country.strip().upper()
    if code not in member_state_codes():
        raise TemplateError(
            f"{country!r} is not an ASEAN member state code; use one of "
            + ", ".join(member_state_codes())
        )
    return code


# -- controlled lists ------------------------------------------------------------------------

# Drop-down values come from their owner's graphs only (aqkg.validation.ownership): a country's
# levels from its curated files and published versions, vocabularies from the regional graphs, so
# another country's submission (or an inference drawn from one) never reaches these lists.
_LEVELS = """
PREFIX aqkg: <https://w3id.org/aqkg/ontology#>
SELECT DISTINCT ?level ?rank WHERE {{
  GRAPH ?g {{ ?level aqkg:inFramework ?framework ; aqkg:rank ?rank }}
  FILTER(STRSTARTS(STR(?level), "{base}level/{country}/")
         && STRSTARTS(STR(?framework), "{base}framework/{country}/"))
  FILTER(STRSTARTS(STR(?g), "{graphs}data/countries/{lower}/")
         || STR(?g) = "{graphs}published/{lower}")
}} ORDER BY ?rank ?level
"""
_REGIONAL_GRAPH = f"""
  FILTER(STRSTARTS(STR(?g), "{GRAPH_BASE}") && STR(?g) != "{GRAPH_BASE}inferred"
         && !STRSTARTS(STR(?g), "{GRAPH_BASE}data/countries/")
         && !STRSTARTS(STR(?g), "{GRAPH_BASE}published/"))
"""
_ISCO = (
    """
PREFIX aqkg: <https://w3id.org/aqkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?code WHERE { GRAPH ?g { ?group a aqkg:IscoGroup ; skos:notation ?code }"""
    + _REGIONAL_GRAPH
    + "} ORDER BY ?code"
)
_SECTORS = (
    """
PREFIX aqkg: <https://w3id.org/aqkg/ontology#>
SELECT DISTINCT ?sector WHERE { GRAPH ?g { ?sector a aqkg:Sector }"""
    + _REGIONAL_GRAPH
    + "} ORDER BY ?sector"
)


def controlled_lists(country: str, context: EmbeddedStore) -> dict[str, list[str]]:
    """Drop-down values: the vocabularies of the mapping, plus the country's level codes, AQRF
    levels, ISCO-08 codes and sector slugs as their owners' graphs in `context` hold them."""
    mapping = load_mapping()
    base = mapping.base
    # formatted, not bound: `country` is a member state's code (checked above)
    levels = context.select(
        _LEVELS.format(base=base, country=country, lower=country.lower(), graphs=GRAPH_BASE)
    ).rows
    lists = {name: list(values) for name, values in mapping.vocabularies.items()}
    lists["level"] = [_local(row[0], f"{base}level/{country}/") for row in levels]
    lists["aqrf-level"] = [str(rank) for rank in range(1, 9)]
    lists["isco"] = [_text(row[0]) for row in context.select(_ISCO).rows]
    lists["sector"] = [_local(row[0], f"{base}sector/") for row in context.select(_SECTORS).rows]
    return lists


def _local(term: object, prefix: str) -> str:
    return _text(term).removeprefix(prefix)


def _text(term: object) -> str:
    return str(getattr(term, "value", term))


# -- writing ---------------------------------------------------------------------------------


def write_template(country: str, out: Path, lists: dict[str, list[str]]) -> Path:
    """A blank template for `country`: an .xlsx workbook, or a folder of CSV files otherwise."""
    country = check_country(country)
    try:
        if out.suffix.lower() == ".xlsx":
            _write_workbook(country, out, lists)
        elif out.suffix:
            raise TemplateError(f"{out}: write an .xlsx file, or name a folder for CSV files")
        else:
            _write_csv_folder(country, out, lists)
    except OSError as error:
        raise TemplateError(f"{out}: cannot be written: {error.strerror or error}") from None
    return out


def column_help(column: ColumnSpec, lists: dict[str, list[str]]) -> str:
    """Row 2 of a sheet: what goes in the column, and the allowed values when they are few."""
    allowed = _allowed_values(column, lists)
    if allowed and len(allowed) <= 12:
        return f"{column.description} Allowed: {', '.join(allowed)}."
    return column.description


def _allowed_values(column: ColumnSpec, lists: dict[str, list[str]]) -> list[str]:
    name = column.vocabulary or column.list
    return lists.get(name, []) if name else []


def _about_rows(country: str) -> list[list[str]]:
    return [
        ["key", "value"],
        ["country", country],
        ["template", "aqkg country submission, version 1"],
        [
            "how to fill",
            "One sheet per kind of record. Rows 1-3 are the template: data from row 4.",
        ],
        ["codes", "Codes become identifiers: letters, digits, '-', '_' and '.' only."],
        ["several values", "Separate several values in one cell with ;"],
        ["other countries", "Refer to another country's record as XX/CODE (ASEAN/CODE)."],
    ]


def _write_workbook(country: str, out: Path, lists: dict[str, list[str]]) -> None:
    workbook = Workbook()
    about = workbook.active
    assert about is not None
    about.title = ABOUT_SHEET
    for row_number, row in enumerate(_about_rows(country), start=1):
        for column_number, value in enumerate(row, start=1):
            _set(about.cell(row=row_number, column=column_number), value)
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 90
    list_ranges = _write_lists(workbook.create_sheet(LISTS_SHEET), lists)
    for spec in load_mapping().sheets:
        _write_sheet(workbook.create_sheet(spec.name), spec, lists, list_ranges)
    workbook.move_sheet(LISTS_SHEET, offset=len(workbook.sheetnames))
    workbook[LISTS_SHEET].sheet_state = "hidden"
    out.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(out)


def _write_lists(sheet: Worksheet, lists: dict[str, list[str]]) -> dict[str, str]:
    ranges = {}
    for index, (name, values) in enumerate(sorted(lists.items()), start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index, value=name)
        for row, value in enumerate(values, start=2):
            _set(sheet.cell(row=row, column=index), value)
        if values:
            ranges[name] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
    return ranges


def _write_sheet(
    sheet: Worksheet, spec: SheetSpec, lists: dict[str, list[str]], list_ranges: dict[str, str]
) -> None:
    bold, grey = Font(bold=True), Font(italic=True, color="808080")
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(spec.columns, start=1):
        header = sheet.cell(row=1, column=index, value=column.name)
        header.font, header.fill = bold, fill
        _set(sheet.cell(row=2, column=index), column_help(column, lists))
        sheet.cell(row=2, column=index).alignment = Alignment(wrap_text=True, vertical="top")
        _set(sheet.cell(row=3, column=index), column.example).font = grey
        sheet.column_dimensions[get_column_letter(index)].width = 24
        _add_validation(sheet, index, column, list_ranges)
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"


def _add_validation(
    sheet: Worksheet, index: int, column: ColumnSpec, list_ranges: dict[str, str]
) -> None:
    name = column.vocabulary or column.list
    if not name or name not in list_ranges:
        return
    strict = column.vocabulary is not None and not column.multiple
    validation = DataValidation(
        type="list",
        formula1=f"={list_ranges[name]}",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop" if strict else "warning",
        errorTitle=column.name,
        error=f"Choose a value from the list ({name}).",
    )
    letter = get_column_letter(index)
    validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_VALIDATED_ROW}")
    sheet.add_data_validation(validation)


def _set(cell: Any, value: str) -> Cell:
    """Write text that can never turn into a formula."""
    assert isinstance(cell, Cell)
    cell.value = value
    if value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
    return cell


def csv_safe(value: str) -> str:
    """CSV text that a spreadsheet program will not read as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _write_csv_folder(country: str, out: Path, lists: dict[str, list[str]]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(out / f"{ABOUT_SHEET}.csv", _about_rows(country))
    for spec in load_mapping().sheets:
        rows = [
            [c.name for c in spec.columns],
            [column_help(c, lists) for c in spec.columns],
            [c.example for c in spec.columns],
        ]
        _write_csv(out / f"{spec.name}.csv", rows)


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for row in rows:
            writer.writerow([csv_safe(value) for value in row])
