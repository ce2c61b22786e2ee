"""Run one query on the embedded store and write its result with pyoxigraph's own
serializers, within the row and byte limits."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from aqkg.sparql.jobs import Failure, Job, Outcome, ResultTooLarge, Success
from aqkg.sparql.negotiation import GRAPH_FORMATS, RESULT_FORMATS, TURTLE_PREFIXES, FormatChoice
from aqkg.sparql.results import defuse_formula
from aqkg.store.embedded import EmbeddedStore, StoreError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

MAX_RESULT_BYTES = 256 << 20


def evaluate(store: EmbeddedStore, job: Job, max_rows: int) -> Outcome:
    """Run one query and serialize its result with pyoxigraph's own writers."""
    try:
        result = store.raw_query(
            job.query, job.bindings, dataset=job.dataset, base_iri=job.base_iri
        )
        if isinstance(result, ox.QuerySolutions):
            return serialize_solutions(result, job.formats, max_rows)
        if isinstance(result, ox.QueryBoolean):
            return serialize_boolean(result, job.formats)
        return serialize_triples(result, job.formats, max_rows)
    except StoreError as error:  # a syntax error, or FROM clauses that cannot be read
        return Failure(400, _one_line(error))
    except ResultTooLarge:
        limits = f"{max_rows} rows or {MAX_RESULT_BYTES >> 20} MB"
        return Failure(400, f"the result has more than {limits} (the limits): add LIMIT or page")
    except (RuntimeError, ValueError) as error:  # pyoxigraph's evaluation errors
        return Failure(400, f"query failed: {_one_line(error)}")
    except Exception as error:  # a worker must answer, never die on one query
        return Failure(500, f"query failed: {type(error).__name__}: {_one_line(error)}")


def serialize_solutions(result: ox.QuerySolutions, formats: FormatChoice, max_rows: int) -> Outcome:
    if formats.results is None:
        return _not_acceptable("SELECT", formats, RESULT_FORMATS)
    # Rows are counted on TSV (one line per row, newlines in literals escaped), which
    # pyoxigraph writes incrementally, so an oversized result stops early; the TSV is then
    # re-read and written in the asked format, still by pyoxigraph.
    writer = _CappedWriter(max_rows)
    try:
        result.serialize(writer, format=ox.QueryResultsFormat.TSV)
    except Exception:
        if writer.overflowed:
            raise ResultTooLarge() from None
        raise
    content_type, results_format = RESULT_FORMATS[formats.results]
    body = writer.getvalue()
    if results_format != ox.QueryResultsFormat.TSV:
        reread = ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV)
        assert isinstance(reread, ox.QuerySolutions)
        if results_format == ox.QueryResultsFormat.CSV:
            body = _defused_csv(reread)
        else:
            body = reread.serialize(format=results_format) or b""
    return Success(content_type, body)


def _defused_csv(solutions: ox.QuerySolutions) -> bytes:
    """SPARQL 1.1 CSV as pyoxigraph writes it, except that a value a spreadsheet program would
    run as a formula (=, +, -, @) gets a leading ' (CSV injection), as `aqkg query --format csv`
    does. CSV is the format people open in a spreadsheet; JSON, XML and TSV stay exact."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    variables = [v.value for v in solutions.variables]
    writer.writerow(variables)
    for solution in solutions:
        writer.writerow([defuse_formula(_csv_value(solution[v])) for v in variables])
    return buffer.getvalue().encode("utf-8")


def _csv_value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return str(term.value)


def serialize_boolean(result: ox.QueryBoolean, formats: FormatChoice) -> Outcome:
    if formats.results is None:
        return _not_acceptable("ASK", formats, RESULT_FORMATS)
    content_type, results_format = RESULT_FORMATS[formats.results]
    return Success(content_type, result.serialize(format=results_format) or b"")


def serialize_triples(result: Iterable[ox.Triple], formats: FormatChoice, max_rows: int) -> Outcome:
    if formats.graph is None:
        return _not_acceptable("CONSTRUCT/DESCRIBE", formats, GRAPH_FORMATS)
    content_type, rdf_format = GRAPH_FORMATS[formats.graph]
    body = ox.serialize(
        _capped(result, max_rows),
        format=rdf_format,
        prefixes=TURTLE_PREFIXES if rdf_format == ox.RdfFormat.TURTLE else None,
    )
    return Success(content_type, body or b"")


def _capped(triples: Iterable[ox.Triple], max_rows: int) -> Iterator[ox.Triple]:
    for count, triple in enumerate(triples, 1):
        if count > max_rows:
            raise ResultTooLarge()
        yield triple


def _not_acceptable(form: str, formats: FormatChoice, offered: Mapping[str, Any]) -> Failure:
    types = ", ".join(content_type.split(";")[0] for content_type, _ in offered.values())
    return Failure(406, f"cannot give a {form} result as {formats.accepted}; available: {types}")


class _CappedWriter(io.BytesIO):
    """A byte buffer that stops the writer once the TSV has more than max_rows rows."""

    def __init__(self, max_rows: int) -> None:
        super().__init__()
        self._lines = 0
        self._max_rows = max_rows
        self.overflowed = False

    def write(self, data: ReadableBuffer, /) -> int:
        chunk = bytes(data)
        self._lines += chunk.count(b"\n")
        if self._lines - 1 > self._max_rows or self.tell() + len(chunk) > MAX_RESULT_BYTES:
            self.overflowed = True
            raise ResultTooLarge()
        return super().write(chunk)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
