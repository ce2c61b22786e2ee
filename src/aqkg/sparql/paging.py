"""Pages of a listing query's rows, and how many rows it has in all.

A named query whose rows grow with the data (one per record of the whole graph when no
parameter narrows it) is *paged*: its header says `#+ paged: yes` and its text holds exactly
one `LIMIT 100`. That clause closes the *page block*, the outer query or one subquery, which
selects and orders the records; the rest of the query decorates the rows of that page only
(labels, lists), so a page costs the ordering of the records plus a hundred decorations, not a
decoration of every record (seconds at a million triples). Run as written, the query returns
the first page; :func:`page_text` writes another page's `LIMIT n OFFSET m` in its place, and
:func:`count_text` counts the page block's rows without its ORDER BY and LIMIT.

The clause is found by the query's tokens (strings, IRIs and comments skipped), so a `LIMIT`
in a literal or a comment is never touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aqkg.syntax.sparql_text import QueryTextError, _tokens

DEFAULT_PAGE_SIZE = 100
# the largest page the REST API and the explorer serve; the CLI can ask for every row
MAX_PAGE_SIZE = 1000
WRITTEN_LIMIT = re.compile(rf"LIMIT\s+{DEFAULT_PAGE_SIZE}\b", re.IGNORECASE)
RESERVED_PARAMS = ("limit", "offset")  # a paged query's page, never one of its parameters


class PagingError(QueryTextError):
    """A paged query's text breaks the paging rules: the message says which."""


@dataclass(frozen=True)
class Page:
    """Which rows: `size` rows (None: every row) after skipping `offset`."""

    size: int | None = DEFAULT_PAGE_SIZE
    offset: int = 0

    def __post_init__(self) -> None:
        if self.size is not None and self.size < 1:
            raise ValueError(f"a page has at least one row, not {self.size}")
        if self.offset < 0:
            raise ValueError(f"an offset is 0 or more, not {self.offset}")

    def clause(self) -> str:
        limit = "" if self.size is None else f"LIMIT {self.size} "
        return f"{limit}OFFSET {self.offset}"

    def next(self, total: int) -> Page | None:
        """The page after this one, None when this one reaches the last row."""
        if self.size is None or self.offset + self.size >= total:
            return None
        return Page(self.size, self.offset + self.size)

    def previous(self) -> Page | None:
        if self.offset == 0:
            return None
        size = self.size or self.offset
        return Page(size, max(0, self.offset - size))


@dataclass(frozen=True)
class PageBlock:
    """Offsets in a paged query's text: its written `LIMIT 100`, the page block that clause
    closes (from its SELECT to its end), where the block's ORDER BY starts, and where the outer
    query's SELECT starts (before it: the prologue of PREFIX declarations)."""

    limit: tuple[int, int]
    block: tuple[int, int]
    modifiers: int
    outer_select: int


def page_block(sparql: str) -> PageBlock:
    """Where the page is written in a paged query; PagingError when not as the rules say."""
    tokens = list(_tokens(sparql))
    limits = [i for i, (token, _) in enumerate(tokens) if token == "LIMIT"]
    if len(limits) != 1:
        raise PagingError(
            f"a paged query has exactly one LIMIT (`LIMIT {DEFAULT_PAGE_SIZE}`, closing its "
            f"page block); this one has {len(limits)}"
        )
    at = limits[0]
    offset = tokens[at][1]
    written = WRITTEN_LIMIT.match(sparql, offset)
    if written is None:
        raise PagingError(f"a paged query's LIMIT is written `LIMIT {DEFAULT_PAGE_SIZE}`")
    if at + 1 < len(tokens) and tokens[at + 1][0] == "OFFSET":
        raise PagingError("a paged query writes no OFFSET: aqkg writes it for each page")
    # The braces open at the LIMIT, each marked when it opens a subquery.
    stack: list[tuple[int, bool]] = []  # (token index of the `{`, opens a subquery)
    for i in range(at):
        token = tokens[i][0]
        if token == "{":
            following = tokens[i + 1][0] if i + 1 < len(tokens) else ""
            stack.append((i, following == "SELECT"))
        elif token == "}":
            stack.pop()
    subqueries = [i for i, is_subquery in stack if is_subquery]
    outer = next(i for i, (token, _) in enumerate(tokens) if token == "SELECT")
    if subqueries:
        first = subqueries[-1] + 1  # the subquery's SELECT
        end = _closing(tokens, subqueries[-1])
    else:
        if stack:
            raise PagingError("a paged query's LIMIT closes the outer query or a subquery")
        first, end = outer, len(sparql)
    # The block's own ORDER BY, at its own brace level (a nested subquery's is deeper).
    level, order = 0, None
    for token, at_offset in tokens[first:at]:
        level += {"{": 1, "}": -1}.get(token, 0)
        if token == "ORDER" and level == 0:
            order = at_offset
    return PageBlock(
        limit=(offset, written.end()),
        block=(tokens[first][1], end),
        modifiers=offset if order is None else order,
        outer_select=tokens[outer][1],
    )


def _closing(tokens: list[tuple[str, int]], opening: int) -> int:
    """The offset of the `}` closing the brace at tokens[opening]."""
    depth = 0
    for token, offset in tokens[opening:]:
        depth += {"{": 1, "}": -1}.get(token, 0)
        if depth == 0:
            return offset
    raise PagingError("a paged query's braces are not balanced")


def page_text(sparql: str, page: Page) -> str:
    """The paged query with `page`'s LIMIT and OFFSET written in place of `LIMIT 100`."""
    start, end = page_block(sparql).limit
    return sparql[:start] + page.clause() + sparql[end:]


def count_text(sparql: str) -> str:
    """A query counting the rows of the paged query's page block (?total), in every page."""
    where = page_block(sparql)
    first, _ = where.block
    return (
        sparql[: where.outer_select]
        + "SELECT (COUNT(*) AS ?total) WHERE {\n  {\n"
        + sparql[first : where.modifiers].rstrip()
        + "\n  }\n}\n"
    )
