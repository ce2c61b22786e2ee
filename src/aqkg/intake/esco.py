"""Import ESCO's English CSV export (ISCO-08 groups and ESCO occupations) as SKOS.

Reads the two files exactly as ESCO publishes them ("CSV, English" on the download page):
``ISCOGroups_en.csv`` and ``occupations_en.csv``. Both are streamed record by record; multi-line
fields (labels, one per line) are handled by the csv module.

Mapping, per file:

- ISCO groups: ``isco:C<code>`` a skos:Concept, aqkg:IscoGroup; skos:notation (code),
  skos:prefLabel/altLabel@en, skos:definition@en (description), skos:inScheme (the ISCO scheme
  and any other scheme listed), skos:broader the parent group (code minus its last digit);
  major groups are skos:topConceptOf the ISCO scheme.
- Occupations: skos:Concept, esco:Occupation (ESCO's model class); skos:notation (ESCO code),
  skos:prefLabel/altLabel/hiddenLabel@en, skos:definition@en (description), skos:scopeNote@en
  (scopeNote), skos:note@en (the rarely filled ``definition`` column, which holds legal
  definitions and exclusions rather than a general definition), skos:inScheme as listed, and,
  for a 4-digit ISCO unit group, skos:broader and aqkg:iscoGroup to it.

Labels repeated inside a record are dropped so that prefLabel, altLabel and hiddenLabel stay
pairwise disjoint (SKOS integrity condition S13): ESCO repeats the preferred label among the
alternative ones. Every concept carries dcterms:source (the ESCO v1.1.1 source document, also
emitted) and aqkg:curationStatus aqkg:Verified: ESCO is the official publication.
"""

from __future__ import annotations

import codecs
import csv
import re
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pyoxigraph import Literal, NamedNode, Quad, Store
from tqdm import tqdm

from aqkg.intake.rdf_input import MAX_INPUT_BYTES

ESCO_GRAPH = "https://w3id.org/aqkg/graph/esco"

ISCO_FILE = "ISCOGroups_en.csv"
OCCUPATIONS_FILE = "occupations_en.csv"
ISCO_COLUMNS = ("conceptUri", "code", "preferredLabel", "altLabels", "inScheme", "description")
OCCUPATION_COLUMNS = (
    "conceptUri",
    "iscoGroup",
    "preferredLabel",
    "altLabels",
    "hiddenLabels",
    "scopeNote",
    "definition",
    "inScheme",
    "description",
    "code",
)

ISCO_NS = "http://data.europa.eu/esco/isco/"
OCCUPATION_NS = "http://data.europa.eu/esco/occupation/"
DOWNLOAD_URL = "https://esco.ec.europa.eu/en/use-esco/download"

_SKOS = "http://www.w3.org/2004/02/skos/core#"
_AQKG = "https://w3id.org/aqkg/ontology#"
_DCTERMS = "http://purl.org/dc/terms/"
_XSD = "http://www.w3.org/2001/XMLSchema#"

RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SKOS_CONCEPT = NamedNode(_SKOS + "Concept")
SKOS_CONCEPT_SCHEME = NamedNode(_SKOS + "ConceptScheme")
PREF_LABEL = NamedNode(_SKOS + "prefLabel")
ALT_LABEL = NamedNode(_SKOS + "altLabel")
HIDDEN_LABEL = NamedNode(_SKOS + "hiddenLabel")
DEFINITION = NamedNode(_SKOS + "definition")
SCOPE_NOTE = NamedNode(_SKOS + "scopeNote")
NOTE = NamedNode(_SKOS + "note")
NOTATION = NamedNode(_SKOS + "notation")
IN_SCHEME = NamedNode(_SKOS + "inScheme")
BROADER = NamedNode(_SKOS + "broader")
TOP_CONCEPT_OF = NamedNode(_SKOS + "topConceptOf")
HAS_TOP_CONCEPT = NamedNode(_SKOS + "hasTopConcept")

ISCO_GROUP = NamedNode(_AQKG + "IscoGroup")
ISCO_GROUP_OF = NamedNode(_AQKG + "iscoGroup")
SOURCE_DOCUMENT = NamedNode(_AQKG + "SourceDocument")
CURATION_STATUS = NamedNode(_AQKG + "curationStatus")
VERIFIED = NamedNode(_AQKG + "Verified")
URL = NamedNode(_AQKG + "url")
ESCO_OCCUPATION = NamedNode("http://data.europa.eu/esco/model#Occupation")

DC_SOURCE = NamedNode(_DCTERMS + "source")
DC_TITLE = NamedNode(_DCTERMS + "title")
DC_PUBLISHER = NamedNode(_DCTERMS + "publisher")
DC_ISSUED = NamedNode(_DCTERMS + "issued")

ISCO_SCHEME = NamedNode("http://data.europa.eu/esco/concept-scheme/isco")
OCCUPATION_SCHEME = NamedNode("http://data.europa.eu/esco/concept-scheme/occupations")
ESCO_SOURCE = NamedNode("https://w3id.org/aqkg/id/source/esco-v1.1.1")

_ISCO_CODE = re.compile(r"\d{1,4}")
_OCCUPATION_CODE = re.compile(r"\d{4}(\.\d+)*")
_SCHEME_SEPARATOR = re.compile(r"[,\s]+")

Triple = tuple[NamedNode, NamedNode, NamedNode | Literal]

_GET_FILES = (
    f"Download the ESCO classification, English, CSV from {DOWNLOAD_URL}, unzip it and pass "
    f"the folder holding {ISCO_FILE} and {OCCUPATIONS_FILE}."
)
_AS_PUBLISHED = "Use the file as ESCO publishes it; do not edit it in a spreadsheet program."


class EscoImportError(Exception):
    """The ESCO files cannot be imported; the message names file and row and says what to do."""


@dataclass(frozen=True)
class ImportSummary:
    """What one import put into the ESCO graph."""

    isco_groups: int
    occupations: int
    triples: int
    seconds: float


@dataclass(frozen=True)
class _Row:
    """One CSV record; ``number`` counts like a spreadsheet (header = row 1)."""

    file: str
    number: int
    line: int
    fields: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.fields[column]

    def error(self, problem: str, fix: str) -> EscoImportError:
        return EscoImportError(
            f"{self.file}, row {self.number} (line {self.line}): {problem}. {fix}."
        )


def import_esco(
    store: Store, folder: Path, *, progress: bool = False, graph: str = ESCO_GRAPH
) -> ImportSummary:
    """Replace the ESCO graph of ``store`` with the content of ``folder``; all or nothing.

    Raises EscoImportError (store unchanged) when the folder or a file is unusable.
    """
    started = time.perf_counter()
    target = NamedNode(graph)
    # Validate by reading everything into a throwaway in-memory store first: a bad row raises
    # before the caller's store is touched. ESCO is ~70k quads (tens of MB at most), and the
    # staged copy is what lets the swap below write only the difference in one transaction.
    staged = Store()
    staged.extend(iter_esco_quads(folder, graph=graph, progress=progress))
    _replace_graph(store, target, staged)
    return ImportSummary(
        isco_groups=_count(store.quads_for_pattern(None, RDF_TYPE, ISCO_GROUP, target)),
        occupations=_count(store.quads_for_pattern(None, RDF_TYPE, ESCO_OCCUPATION, target)),
        triples=_count(store.quads_for_pattern(None, None, None, target)),
        seconds=time.perf_counter() - started,
    )


def iter_esco_quads(
    folder: Path, *, graph: str = ESCO_GRAPH, progress: bool = False
) -> Iterator[Quad]:
    """Stream the ESCO export in ``folder`` as quads in ``graph``.

    Rows are checked as they are read, so EscoImportError may come after some quads were
    yielded: consumers that must not keep partial output should load inside a transaction, as
    import_esco does.
    """
    isco_path, occupations_path = _input_files(folder)
    graph_name = NamedNode(graph)
    total = isco_path.stat().st_size + occupations_path.stat().st_size
    with tqdm(
        total=total,
        unit="B",
        unit_scale=True,
        desc="ESCO import",
        disable=not progress,
        file=sys.stderr,
    ) as bar:
        isco_codes: set[str] = set()  # filled by the ISCO pass, read by the occupations pass
        triples = _chain(
            _provenance_triples(),
            _isco_triples(_read_rows(isco_path, ISCO_COLUMNS, bar), isco_codes),
            _occupation_triples(_read_rows(occupations_path, OCCUPATION_COLUMNS, bar), isco_codes),
        )
        for subject, predicate, obj in triples:
            yield Quad(subject, predicate, obj, graph_name)


def _replace_graph(store: Store, graph: NamedNode, new: Store) -> None:
    """Make ``graph`` in ``store`` equal to ``graph`` in ``new``, in one transaction.

    Writes only the difference: re-importing the same files writes nothing, an upgrade writes
    what changed, and readers see the old graph or the new one, never a mix. (Clearing the graph
    and then adding would be two transactions; a SPARQL MOVE from a staging graph is atomic too
    but rewrites every quad three times, ~10 s on disk against ~2 s here.)
    """
    added = [quad for quad in new.quads_for_pattern(None, None, None, graph) if quad not in store]
    removed = [quad for quad in store.quads_for_pattern(None, None, None, graph) if quad not in new]
    if not removed:
        store.extend(added)  # one transaction
        return
    # Terms are written by pyoxigraph itself (N-Triples syntax, which SPARQL accepts), never
    # pasted from input text; the ESCO graph holds no blank nodes, so DATA blocks are allowed.
    store.update(
        f"DELETE DATA {{ {_graph_block(graph, removed)} }} ; "
        f"INSERT DATA {{ {_graph_block(graph, added)} }}"
    )


def _graph_block(graph: NamedNode, quads: list[Quad]) -> str:
    triples = " ".join(f"{quad.subject} {quad.predicate} {quad.object} ." for quad in quads)
    return f"GRAPH {graph} {{ {triples} }}"


def _chain(*parts: Iterable[Triple]) -> Iterator[Triple]:
    for part in parts:
        yield from part


def _count(quads: Iterator[Quad]) -> int:
    return sum(1 for _ in quads)


def _input_files(folder: Path) -> tuple[Path, Path]:
    if not folder.is_dir():
        raise EscoImportError(f"{folder} is not a folder. {_GET_FILES}")
    paths = (folder / ISCO_FILE, folder / OCCUPATIONS_FILE)
    missing = [path.name for path in paths if not path.is_file()]
    if missing:
        raise EscoImportError(f"{folder} has no {' and no '.join(missing)}. {_GET_FILES}")
    for path in paths:
        # the limit every RDF input has: the real ESCO files are a few tens of MB
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise EscoImportError(
                f"{path}: {size} bytes is over the {MAX_INPUT_BYTES} byte limit for an input "
                "file; is this the ESCO CSV export (ISCO groups and occupations, English)?"
            )
    return paths


# ---- reading the CSV files -------------------------------------------------------------------


def _read_rows(path: Path, required: tuple[str, ...], bar: Any) -> Iterator[_Row]:
    """Records of one file as _Rows holding the required columns (values stripped)."""
    with path.open("rb") as raw:
        reader = csv.reader(_decoded_lines(raw, path.name, bar), strict=True)
        try:
            header = [name.strip() for name in next(reader, [])]
            missing = [column for column in required if column not in header]
            if missing:
                raise EscoImportError(
                    f"{path.name}, row 1 (header): missing column(s) {', '.join(missing)}. "
                    f"{_AS_PUBLISHED} {_GET_FILES}"
                )
            index = {column: header.index(column) for column in required}
            number, last_line = 1, reader.line_num
            for record in reader:
                number, first_line, last_line = number + 1, last_line + 1, reader.line_num
                if not record:
                    continue  # a blank line
                if len(record) != len(header):
                    raise EscoImportError(
                        f"{path.name}, row {number} (line {first_line}): {len(record)} fields "
                        f"where the header has {len(header)}; a quote is probably missing or "
                        f"extra. {_AS_PUBLISHED}"
                    )
                fields = {column: record[i].strip() for column, i in index.items()}
                yield _Row(path.name, number, first_line, fields)
        except csv.Error as error:
            raise EscoImportError(
                f"{path.name}, line {reader.line_num}: not readable as CSV ({error}). "
                f"{_AS_PUBLISHED}"
            ) from None


def _decoded_lines(raw: BinaryIO, file: str, bar: Any) -> Iterator[str]:
    """Lines decoded as UTF-8 (BOM dropped), advancing the progress bar by bytes read."""
    for number, line in enumerate(raw, start=1):
        bar.update(len(line))
        if number == 1 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8) :]
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError as error:
            raise EscoImportError(
                f"{file}, line {number}: not UTF-8 text ({error.reason} at byte {error.start}). "
                "ESCO publishes UTF-8; if a spreadsheet program re-saved the file, save it again "
                "as 'CSV UTF-8' or download it afresh."
            ) from None


# ---- mapping ---------------------------------------------------------------------------------


def _provenance_triples() -> Iterator[Triple]:
    yield ESCO_SOURCE, RDF_TYPE, SOURCE_DOCUMENT
    yield ESCO_SOURCE, DC_TITLE, _en("ESCO classification v1.1.1 (English CSV export)")
    yield ESCO_SOURCE, DC_PUBLISHER, Literal("European Commission")
    # v1.1.1 was announced in 2022 as the latest minor version (ESCO newsroom item 760674);
    # the newest modifiedDate in occupations_en.csv is 2022-07-27.
    yield ESCO_SOURCE, DC_ISSUED, Literal("2022", datatype=NamedNode(_XSD + "gYear"))
    yield ESCO_SOURCE, URL, Literal(DOWNLOAD_URL, datatype=NamedNode(_XSD + "anyURI"))
    for scheme, label in (
        (ISCO_SCHEME, "International Standard Classification of Occupations (ISCO-08)"),
        (OCCUPATION_SCHEME, "ESCO occupations"),
    ):
        yield scheme, RDF_TYPE, SKOS_CONCEPT_SCHEME
        yield scheme, PREF_LABEL, _en(label)
        yield from _sourced(scheme)


def _isco_triples(rows: Iterator[_Row], codes: set[str]) -> Iterator[Triple]:
    """ISCO groups; fills ``codes`` with every group code, for the occupations to refer to."""
    first_row: dict[str, _Row] = {}
    for row in rows:
        code = row["code"]
        if not _ISCO_CODE.fullmatch(code):
            raise row.error(
                f"code {code!r} is not an ISCO-08 group code",
                "ISCO-08 codes are 1 to 4 digits (e.g. 7, 71, 712, 7122); fix the code column",
            )
        if code in first_row:
            raise row.error(
                f"ISCO group {code} already appears in row {first_row[code].number}",
                "Each group must appear once; remove the duplicate row",
            )
        expected = f"{ISCO_NS}C{code}"
        if row["conceptUri"] != expected:
            raise row.error(
                f"conceptUri {row['conceptUri']!r} does not match code {code} (expected "
                f"{expected})",
                "Fix the conceptUri or the code so that they agree, as ESCO publishes them",
            )
        first_row[code] = row
        codes.add(code)
        group = NamedNode(expected)
        yield group, RDF_TYPE, SKOS_CONCEPT
        yield group, RDF_TYPE, ISCO_GROUP
        yield group, NOTATION, Literal(code)
        yield from _labels(group, row, alternatives=row["altLabels"])
        if row["description"]:
            yield group, DEFINITION, _en(row["description"])
        yield group, IN_SCHEME, ISCO_SCHEME
        yield from _schemes(group, row, skip=ISCO_SCHEME)
        if len(code) == 1:
            yield group, TOP_CONCEPT_OF, ISCO_SCHEME
            yield ISCO_SCHEME, HAS_TOP_CONCEPT, group
        else:
            yield group, BROADER, NamedNode(f"{ISCO_NS}C{code[:-1]}")
        yield from _sourced(group)
    for code, row in first_row.items():
        if len(code) > 1 and code[:-1] not in codes:
            raise row.error(
                f"ISCO group {code} has no parent group {code[:-1]} in the file",
                "The file looks truncated; use the complete export",
            )


def _occupation_triples(rows: Iterator[_Row], isco_codes: set[str]) -> Iterator[Triple]:
    first_row: dict[str, int] = {}
    for row in rows:
        uri = row["conceptUri"]
        occupation = _iri(row, "conceptUri", uri)
        if not uri.startswith(OCCUPATION_NS) or uri == OCCUPATION_NS:
            raise row.error(
                f"conceptUri {uri!r} is not an ESCO occupation URI",
                f"Occupation URIs start with {OCCUPATION_NS}; fix the conceptUri column",
            )
        if uri in first_row:
            raise row.error(
                f"occupation {uri} already appears in row {first_row[uri]}",
                "Each occupation must appear once; remove the duplicate row",
            )
        first_row[uri] = row.number
        code, isco = row["code"], row["iscoGroup"]
        if not _OCCUPATION_CODE.fullmatch(code):
            raise row.error(
                f"code {code!r} is not an ESCO occupation code",
                "ESCO codes are an ISCO unit group and dot-separated numbers (e.g. 7411.1 or "
                "2654.1.7); fix the code column",
            )
        if isco and not _ISCO_CODE.fullmatch(isco):
            raise row.error(
                f"iscoGroup {isco!r} is not an ISCO-08 group code",
                "ISCO-08 codes are 1 to 4 digits (e.g. 7411); fix the iscoGroup column",
            )
        if isco and isco not in isco_codes:
            raise row.error(
                f"iscoGroup {isco} is not a group of {ISCO_FILE}",
                f"Use the {ISCO_FILE} and {OCCUPATIONS_FILE} of the same ESCO export",
            )
        yield occupation, RDF_TYPE, SKOS_CONCEPT
        yield occupation, RDF_TYPE, ESCO_OCCUPATION
        yield occupation, NOTATION, Literal(code)
        yield from _labels(
            occupation, row, alternatives=row["altLabels"], hidden=row["hiddenLabels"]
        )
        for column, predicate in (
            ("description", DEFINITION),
            ("scopeNote", SCOPE_NOTE),
            ("definition", NOTE),
        ):
            if row[column]:
                yield occupation, predicate, _en(row[column])
        yield from _schemes(occupation, row)
        if len(isco) == 4:
            group = NamedNode(f"{ISCO_NS}C{isco}")
            yield occupation, BROADER, group
            yield occupation, ISCO_GROUP_OF, group
        yield from _sourced(occupation)


def _labels(
    concept: NamedNode, row: _Row, *, alternatives: str, hidden: str = ""
) -> Iterator[Triple]:
    preferred = row["preferredLabel"]
    if not preferred:
        raise row.error(
            "preferredLabel is empty",
            "Every concept needs its English label; fill in preferredLabel",
        )
    yield concept, PREF_LABEL, _en(preferred)
    seen = {preferred}
    for predicate, text in ((ALT_LABEL, alternatives), (HIDDEN_LABEL, hidden)):
        for label in (line.strip() for line in text.splitlines()):
            if label and label not in seen:
                seen.add(label)
                yield concept, predicate, _en(label)


def _schemes(concept: NamedNode, row: _Row, *, skip: NamedNode | None = None) -> Iterator[Triple]:
    for value in _SCHEME_SEPARATOR.split(row["inScheme"]):
        if value:
            scheme = _iri(row, "inScheme", value)
            if scheme != skip:
                yield concept, IN_SCHEME, scheme


def _sourced(subject: NamedNode) -> Iterator[Triple]:
    yield subject, DC_SOURCE, ESCO_SOURCE
    yield subject, CURATION_STATUS, VERIFIED


def _iri(row: _Row, column: str, value: str) -> NamedNode:
    try:
        return NamedNode(value)
    except ValueError as error:
        raise row.error(
            f"{column} {value!r} is not a valid IRI ({error})",
            f"{_AS_PUBLISHED} Fix the {column} column",
        ) from None


def _en(text: str) -> Literal:
    return Literal(text, language="en")
