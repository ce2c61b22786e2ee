"""`aqkg query` and `aqkg queries`: any query form, named or ad hoc, with its parameters checked."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from aqkg.cli.common import (
    EXIT_OK,
    CliError,
    emit,
    open_for_query,
    store_options,
    store_path,
)
from aqkg.sparql import results as result_output
from aqkg.sparql.catalogue import (
    Bound,
    NamedQuery,
    bind_params,
    catalogue,
    page_texts,
    resolve,
    total_of,
)
from aqkg.sparql.forms import Answer, QueryFailed, answer, answer_within, query_form
from aqkg.sparql.negotiation import TURTLE_PREFIXES
from aqkg.sparql.notes import needs_pairings, pairings_note
from aqkg.sparql.paging import DEFAULT_PAGE_SIZE, Page
from aqkg.sparql.param_checks import check_params, store_select
from aqkg.store.embedded import SelectResult
from aqkg.store.endpoint import as_bound
from aqkg.syntax.dataset import DEFAULT_BASE_IRI


def add_commands(sub: Any) -> None:
    query = sub.add_parser("query", help="run a named query, a .rq file or -e 'SPARQL'")
    query.add_argument("query", nargs="?", metavar="NAME|FILE.rq")
    query.add_argument(
        "-e", "--execute", metavar="SPARQL", help="a SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE"
    )
    query.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    query.add_argument(
        "--format",
        choices=[*sorted(result_output.FORMATTERS), *GRAPH_FORMATS],
        help="SELECT: table (default), csv, tsv, json; ASK: table (true/false) or json; "
        "CONSTRUCT and DESCRIBE: turtle (default), ntriples, jsonld",
    )
    query.add_argument(
        "--lang",
        action="store_true",
        help="table format: give each column holding language-tagged text a column of its tags",
    )
    query.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="stop the query after this many seconds (it then runs in a worker process)",
    )
    query.add_argument(
        "--limit",
        metavar="N|all",
        help=f"a listing query's page size (default {DEFAULT_PAGE_SIZE}; `all`: every row)",
    )
    query.add_argument(
        "--offset",
        type=int,
        metavar="N",
        help="a listing query's rows to skip before its page (default 0)",
    )
    query.add_argument(
        "--base",
        metavar="IRI",
        default=DEFAULT_BASE_IRI,
        help=f"base IRI of relative IRIs in the query (default: {DEFAULT_BASE_IRI}, so that "
        "<id/country/LA> is Lao PDR and <graph/...> a graph of the store)",
    )
    store_options(query)
    query.set_defaults(handler=_cmd_query)

    queries = sub.add_parser("queries", help="list the named queries")
    queries.add_argument(
        "--all",
        action="store_true",
        help="also the queries the explorer and the recognition engine use internally",
    )
    queries.set_defaults(handler=_cmd_queries)


GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def _cmd_query(args: argparse.Namespace) -> int:
    if bool(args.query) == bool(args.execute):
        raise CliError("give either a query NAME or FILE.rq, or -e 'SPARQL' (not both)")
    named: NamedQuery | None = None
    if args.execute:
        sparql = args.execute
    else:
        target = resolve(args.query)
        if isinstance(target, NamedQuery):
            named, sparql = target, target.text
        else:
            sparql = _read_query_file(target)
    if named is None:
        _refuse_unsafe(sparql)
    given = _param_pairs(args.param)
    bindings = bind_params(named, given)
    base = _base_iri(args.base)
    if named is not None:
        check_params(named, given, store_select(open_for_query(args)))
    page = _page(args, named)
    try:
        form = query_form(sparql)
        _check_format(form, args.format)
        if args.timeout is not None:
            if not args.timeout > 0:
                raise CliError(f"--timeout {args.timeout:g}: give a number of seconds above 0")
            if args.memory:
                raise CliError("--timeout needs a built store or an endpoint, not --memory")

        def run(text: str, left: Mapping[str, Bound]) -> Answer:
            if args.timeout is None:
                return answer(open_for_query(args), text, left, base)
            return answer_within(store_path(args), args.endpoint, text, left, base, args.timeout)

        counted = None
        if named is not None and page is not None:
            texts = page_texts(named, bindings, page)
            result = run(texts.rows, texts.rows_bindings)
            counted = run(texts.count, texts.count_bindings)
        else:
            result = run(sparql, bindings)
        if page is not None and isinstance(result, SelectResult):
            # a parameter's column holds the term given, as without a page (Virtuoso
            # rewrites "0"^^xsd:decimal as 0 when it is written into the text)
            result = SelectResult(
                result.variables, as_bound(result.variables, result.rows, bindings)
            )
    except QueryFailed as error:
        raise CliError(str(error)) from None
    emit(_formatted(result, args.format, args.lang))
    # beside a table; on stderr for the machine formats, so they stay parseable
    beside = sys.stdout if (args.format or "table") == "table" else sys.stderr
    if page is not None and isinstance(result, SelectResult) and isinstance(counted, SelectResult):
        note = _page_note(page, len(result.rows), total_of(counted))
        if note:
            print(f"note: {note}", file=beside)
    if named is not None and needs_pairings(named) and _is_empty(result):
        note = pairings_note(open_for_query(args))
        if note:
            print(f"note: {note}", file=beside)
    return EXIT_OK


def _page(args: argparse.Namespace, named: NamedQuery | None) -> Page | None:
    """The page asked for by --limit and --offset; None for a query that is not paged."""
    if named is None or not named.paged:
        if args.limit is not None or args.offset is not None:
            what = f"query {named.name}" if named else "an ad-hoc query"
            raise CliError(
                f"--limit and --offset page a listing query; {what} is not one (write LIMIT "
                "and OFFSET in the query text instead)"
            )
        return None
    size: int | None = DEFAULT_PAGE_SIZE
    if args.limit == "all":
        size = None
    elif args.limit is not None:
        if not args.limit.isdigit() or int(args.limit) < 1:
            raise CliError(f"--limit {args.limit}: give a number of rows above 0, or `all`")
        size = int(args.limit)
    offset = args.offset or 0
    if offset < 0:
        raise CliError(f"--offset {offset}: give the number of rows to skip, 0 or more")
    return Page(size, offset)


def _page_note(page: Page, shown: int, total: int) -> str | None:
    """Which rows of how many were shown and how to see the next; None when all were."""
    if page.offset == 0 and shown == total:
        return None
    if shown == 0:
        return f"no rows after row {page.offset:,}: the query has {total:,}"
    first, last = page.offset + 1, page.offset + shown
    following = page.next(total)
    more = (
        f"; --offset {following.offset} for the next page, --limit all for every row"
        if following
        else ""
    )
    return f"rows {first:,}-{last:,} of {total:,}{more}"


def _is_empty(result: Answer) -> bool:
    return isinstance(result, SelectResult) and not result.rows


def _check_format(form: str, fmt: str | None) -> None:
    graph = form in ("CONSTRUCT", "DESCRIBE")
    allowed = list(GRAPH_FORMATS) if graph else ["table", "json"] if form == "ASK" else None
    if fmt is None:
        return
    if allowed is None:
        allowed = sorted(result_output.FORMATTERS)
    if fmt not in allowed:
        article = "an" if form[0] in "AE" else "a"
        raise CliError(
            f"--format {fmt} does not fit {article} {form} query: use {', '.join(allowed)}"
        )


def _formatted(result: Answer, fmt: str | None, languages: bool) -> str:
    if isinstance(result, bool):
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": result})
        return "true" if result else "false"
    if isinstance(result, list):
        rdf_format = GRAPH_FORMATS[fmt or "turtle"]
        prefixes = TURTLE_PREFIXES if rdf_format == ox.RdfFormat.TURTLE else None
        return (ox.serialize(result, format=rdf_format, prefixes=prefixes) or b"").decode()
    if (fmt or "table") == "table":
        return result_output.as_table(result, languages=languages)
    return result_output.FORMATTERS[fmt or "table"](result)


def _base_iri(value: str) -> str:
    try:
        return ox.NamedNode(value).value
    except ValueError:
        message = f"--base {value!r}: give an absolute IRI, such as {DEFAULT_BASE_IRI}"
        raise CliError(message) from None


def _read_query_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise CliError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None


def _refuse_unsafe(sparql: str) -> None:
    """An ad-hoc query (-e, FILE.rq) gets the endpoint's checks: no UPDATE, no SERVICE and no
    file: IRI (querying opens no socket and reads no file, even for a query pasted from
    elsewhere), nothing nested so deep that pyoxigraph would crash."""
    from aqkg.sparql.readonly import refusal

    problem = refusal(sparql)
    if problem:
        raise CliError(problem.replace("this endpoint", "aqkg query"))


def _param_pairs(items: list[str]) -> dict[str, str]:
    pairs = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise CliError(f"--param {item!r}: write NAME=VALUE")
        pairs[name] = value
    return pairs


def _cmd_queries(args: argparse.Namespace) -> int:
    shown = [q for q in catalogue().values() if args.all or not q.internal]
    for query in shown:
        params = ", ".join(f"{p.name}:{p.type}{'' if p.required else '?'}" for p in query.params)
        paged = "  (paged)" if query.paged else ""
        print(f"{query.name:<40} {query.summary}" + (f"  [{params}]" if params else "") + paged)
    return EXIT_OK
