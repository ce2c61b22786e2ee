"""Checks made on an uploaded .xlsx workbook before openpyxl reads it, for what openpyxl does not
bound by itself (each measured on a 159-478 KB workbook, kept by tests/hostile):

- openpyxl reads styles.xml, sharedStrings.xml and the defined names of workbook.xml whole into
  Python objects, even in read-only mode: 19M cell formats took 10 GB, 19M shared strings
  1.8 GB, 2.2M defined names 1.7 GB, all within the size limits (an `<xf/>` is five bytes).
- Its row reader pads every row to the widest column the sheet declares (`<dimension>`) or
  uses: 16,384 header columns and 10,000 one-cell rows took 4.1 GB; a single `<row>` of
  millions of `<c/>` builds a list of millions of dicts. It also trusts `<dimension>`: rows
  past a stale one are dropped silently.

So every XML part is read once, streaming, by a SAX parser from defusedxml (which refuses
DTDs, hence entity bombs and external entities), counting elements and stopping at the first
limit passed; the part sizes the zip declares (zipfile never unpacks more) are checked first.
openpyxl has no option for any of these limits: the counts are hand-written here. The scan
also notes formula cells without a stored value, which openpyxl's data_only mode reads as
empty cells, so the reader can say so instead of "no code".
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO
from xml.sax import SAXException
from xml.sax.handler import ContentHandler

import defusedxml.sax
from defusedxml import DefusedXmlException

MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_PART_BYTES = 50 * 1024 * 1024
MAX_SHEETS = 50
MAX_DEFINED_NAMES = 10_000
MAX_SHARED_STRINGS = 1_000_000
# Excel allows 64,000 cell formats; each takes up to about three elements in styles.xml
MAX_STYLE_ELEMENTS = 250_000
# any other part (theme, drawing, comments, relationships...) is small in a real workbook
MAX_OTHER_ELEMENTS = 100_000
# with MAX_RECORDS (aqkg.intake.sheet_input): 50,000 qualification rows took validation to 647 MB,
# 33 s
MAX_ROWS = 30_000
# the template's widest sheet has 13 columns, its lists sheet fewer than 20: a margin for
# notes an officer adds
MAX_COLUMNS = 50

_CELL_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")


class WorkbookRefused(Exception):
    """The workbook passes a limit or is not well-formed XML; the message names the part (and
    sheet, row, column) and what to do."""


@dataclass
class SheetScan:
    """What the scan saw in one worksheet part."""

    title: str
    formulas_without_value: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class WorkbookScan:
    sheets: dict[str, SheetScan] = field(default_factory=dict)  # by sheet title


def scan_workbook(archive: zipfile.ZipFile) -> WorkbookScan:
    """Check every part of `archive`; raises WorkbookRefused naming the part, or the sheet."""
    infos = archive.infolist()
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise WorkbookRefused(
            f"unpacks to {unpacked} bytes, over the {MAX_UNPACKED_BYTES} byte limit; split the file"
        )
    for info in infos:
        if info.file_size > MAX_PART_BYTES:
            raise WorkbookRefused(
                f"part {info.filename} unpacks to {info.file_size} bytes, over the "
                f"{MAX_PART_BYTES} byte limit of one part; split the file"
            )
    scan = WorkbookScan()
    titles, read = _sheet_titles(archive)
    for info in infos:
        name = info.filename
        if name in read or not name.lower().endswith((".xml", ".rels")):
            continue
        if name in titles:
            sheet = SheetScan(titles[name])
            _parse(archive, name, _SheetCounter(sheet))
            scan.sheets[titles[name]] = sheet
        else:
            _parse(archive, name, _counter_for(name))
    return scan


def _sheet_titles(archive: zipfile.ZipFile) -> tuple[dict[str, str], set[str]]:
    """Worksheet part -> sheet title, from workbook.xml (its defined names counted on the
    way) and its relationships; and the parts read for it."""
    workbook = "xl/workbook.xml"
    rels_name = "xl/_rels/workbook.xml.rels"
    names = set(archive.namelist())
    if workbook not in names or rels_name not in names:
        return {}, set()  # openpyxl refuses the file: nothing to name
    sheets = _WorkbookReader(workbook)
    _parse(archive, workbook, sheets)
    rels = _Relationships(rels_name)
    _parse(archive, rels_name, rels)
    folder = PurePosixPath(workbook).parent
    titles = {
        _resolve(folder, rels.targets[rid]): title
        for title, rid in sheets.sheets
        if rid in rels.targets
    }
    return titles, {workbook, rels_name}


_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _resolve(folder: PurePosixPath, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = []
    for piece in (*folder.parts, *PurePosixPath(target).parts):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _parse(archive: zipfile.ZipFile, name: str, handler: ContentHandler) -> None:
    try:
        with archive.open(name) as stream:
            _sax(stream, handler)
    except _Stop as stop:
        raise WorkbookRefused(str(stop)) from None
    except DefusedXmlException as error:
        raise WorkbookRefused(f"bad XML in part {name}: {error}") from None
    except SAXException as error:
        raise WorkbookRefused(f"bad XML in part {name}: {error}") from None


def _sax(stream: IO[bytes], handler: ContentHandler) -> None:
    parser = defusedxml.sax.make_parser()
    parser.setFeature("http://xml.org/sax/features/namespaces", True)
    parser.setContentHandler(handler)
    parser.parse(stream)


class _Stop(Exception):
    """A limit passed, raised from inside the parser."""


class _Counter(ContentHandler):
    """Counts the elements named `local` (every element when None) up to `limit`."""

    def __init__(self, local: str | None, limit: int, what: str, part: str, fix: str) -> None:
        super().__init__()
        self.local, self.limit, self.what, self.part, self.fix = local, limit, what, part, fix
        self.count = 0

    def startElementNS(
        self, name: tuple[str | None, str], qname: str | None, attrs: object
    ) -> None:
        if self.local is None or name[1] == self.local:
            self.count += 1
            if self.count > self.limit:
                raise _Stop(
                    f"part {self.part} holds over {self.limit} {self.what}, the limit; {self.fix}"
                )


def _counter_for(part: str) -> _Counter:
    lower = part.lower()
    if lower.endswith("sharedstrings.xml"):
        return _Counter(
            "si", MAX_SHARED_STRINGS, "shared strings", part, "split the file into workbooks"
        )
    if lower.endswith("styles.xml"):
        return _Counter(
            None,
            MAX_STYLE_ELEMENTS,
            "style elements",
            part,
            "clear the formatting (Home, Clear, Clear Formats) or copy the values into the "
            "blank template",
        )
    return _Counter(
        None, MAX_OTHER_ELEMENTS, "elements", part, "copy the values into the blank template"
    )


class _WorkbookReader(ContentHandler):
    """The sheets of workbook.xml (title, relationship id), its defined names counted."""

    def __init__(self, part: str) -> None:
        super().__init__()
        self.sheets: list[tuple[str, str]] = []
        self.names = _Counter(
            "definedName",
            MAX_DEFINED_NAMES,
            "defined names",
            part,
            "delete the names (Formulas, Name Manager) or copy the values into the blank template",
        )
        self.part = part

    def startElementNS(
        self, name: tuple[str | None, str], qname: str | None, attrs: object
    ) -> None:
        self.names.startElementNS(name, qname, attrs)
        if name[1] == "sheet":
            self.sheets.append((_attribute(attrs, "name"), _attribute(attrs, _RELATIONSHIP_ID)))
            if len(self.sheets) > MAX_SHEETS:
                raise _Stop(
                    f"the workbook has over {MAX_SHEETS} sheets, the limit; the template has "
                    "13: delete the others"
                )


class _Relationships(ContentHandler):
    def __init__(self, part: str) -> None:
        super().__init__()
        self.targets: dict[str, str] = {}
        self.part = part

    def startElementNS(
        self, name: tuple[str | None, str], qname: str | None, attrs: object
    ) -> None:
        if name[1] == "Relationship":
            self.targets[_attribute(attrs, "Id")] = _attribute(attrs, "Target")
            if len(self.targets) > MAX_OTHER_ELEMENTS:
                raise _Stop(f"part {self.part} holds over {MAX_OTHER_ELEMENTS} relationships")


def _attribute(attrs: object, key: str) -> str:
    """A SAX namespaced attribute by local name, or by {namespace}local."""
    names = attrs.getNames()  # type: ignore[attr-defined]
    for namespaced in names:
        uri, local = namespaced
        full = f"{{{uri}}}{local}" if uri else local
        if key in (full, local) and (uri is None or key.startswith("{")):
            return str(attrs.getValue(namespaced))  # type: ignore[attr-defined]
    return ""


class _SheetCounter(ContentHandler):
    """Rows and columns of one worksheet, by the row and cell references (or their order when
    a reference is missing), and formulas without a stored value."""

    def __init__(self, scan: SheetScan) -> None:
        super().__init__()
        self.title, self.scan = scan.title, scan
        self.row = 0
        self.column = 0
        self.cells = 0
        self.cell: tuple[int, int] | None = None
        self.formula = False
        self.value = False
        self.in_value = False

    def startElementNS(
        self, name: tuple[str | None, str], qname: str | None, attrs: object
    ) -> None:
        local = name[1]
        if local == "row":
            reference = _attribute(attrs, "r")
            self.row = int(reference) if reference.isdigit() else self.row + 1
            self.column = self.cells = 0
            if self.row > MAX_ROWS:
                raise _Stop(
                    f"sheet {self.title!r} has a row {self.row}, over the {MAX_ROWS} row limit; "
                    "split the records into several workbooks"
                )
        elif local == "c":
            self.column = self._column(_attribute(attrs, "r"))
            if self.column > MAX_COLUMNS:
                raise _Stop(
                    f"sheet {self.title!r}, row {self.row}: a cell in column {self.column}, over "
                    f"the {MAX_COLUMNS} column limit (the template has fewer); delete the "
                    "columns after the template's last one"
                )
            self.cells += 1
            # openpyxl keeps every cell of a row, even many naming one column
            if self.cells > MAX_COLUMNS:
                raise _Stop(
                    f"sheet {self.title!r}, row {self.row}: over {MAX_COLUMNS} cells, the "
                    "column limit; delete the columns after the template's last one"
                )
            self.cell, self.formula, self.value = (self.row, self.column), False, False
        elif local == "f":
            self.formula = True
        elif local == "is":
            self.value = True
        self.in_value = local == "v"

    def characters(self, content: str) -> None:
        # openpyxl writes a formula with an empty <v></v>: a value only when there is text
        if self.in_value and content.strip():
            self.value = True

    def endElementNS(self, name: tuple[str | None, str], qname: str | None) -> None:
        self.in_value = False
        if name[1] == "c" and self.cell and self.formula and not self.value:
            self.scan.formulas_without_value.append(self.cell)

    def _column(self, reference: str) -> int:
        match = _CELL_REF.match(reference)
        if match is None:
            return self.column + 1
        number = 0
        for letter in match[1]:
            number = number * 26 + ord(letter) - 64
        return number
