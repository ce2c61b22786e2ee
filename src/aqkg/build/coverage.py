"""`aqkg coverage`: what the graph holds per member state and kind of record, and how curated.

The coverage query gives every record with its member state, kind and curation status; this
module counts them into a matrix (records: verified, unverified, illustrative; the named query
`coverage-counts` gives the same counts) and a curation report (verified,
unverified, illustrative, and how many records fail no curation rule: docs/curation.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from aqkg.build.checks import build_check_findings
from aqkg.sparql.catalogue import catalogue, every_row
from aqkg.sparql.member_states import member_states_in
from aqkg.sparql.results import plain
from aqkg.store.backend import Store
from aqkg.store.embedded import EmbeddedStore
from aqkg.validation.validate import validate_data_graphs

KINDS = (
    "NQF",
    "levels",
    "referencing",
    "level pairings",
    "qualifications",
    "standards",
    "units",
    "mappings",
    "arrangements",
)
_STATUS = {"Verified": "verified", "Unverified": "unverified", "Illustrative": "illustrative"}
LEGEND = (
    "n (a v, b u, c i) = n records: a curated as verified, b unverified, c illustrative "
    "(docs/curation.md); - = no record yet."
)


@dataclass(frozen=True)
class Cell:
    records: int = 0
    verified: int = 0
    unverified: int = 0
    illustrative: int = 0
    failing: int = 0  # records with at least one violation of a curation rule or shape

    def __str__(self) -> str:
        if not self.records:
            return "-"
        parts = [
            f"{n} {tag}"
            for n, tag in ((self.verified, "v"), (self.unverified, "u"), (self.illustrative, "i"))
            if n
        ]
        return f"{self.records} ({', '.join(parts)})" if parts else str(self.records)

    @property
    def passing(self) -> int:
        return self.records - self.failing


Matrix = dict[str, dict[str, Cell]]


def coverage_matrix(store: Store, failing: Iterable[str] = ()) -> Matrix:
    """Records per member state and kind; `failing` names the records that break a rule."""
    failed = set(failing)
    statuses: dict[tuple[str, str], dict[str, str]] = {}
    result = store.select(every_row(catalogue()["coverage"]))
    for code, kind, record, status in ([plain(t) for t in row] for row in result.rows):
        local = status.rsplit("#", 1)[-1]
        statuses.setdefault((code, kind), {})[record] = _STATUS.get(local, "none")
    # every member state the store describes, by name, then the regional records
    columns = [state.code for state in member_states_in(store)] + ["ASEAN"]
    matrix: Matrix = {code: {kind: Cell() for kind in KINDS} for code in columns}
    for (code, kind), records in statuses.items():
        row = matrix.setdefault(code, {k: Cell() for k in KINDS})
        counted = list(records.values())
        row[kind] = Cell(
            records=len(records),
            verified=counted.count("verified"),
            unverified=counted.count("unverified"),
            illustrative=counted.count("illustrative"),
            failing=len(failed & set(records)),
        )
    return matrix


def failing_records(store: Store) -> set[str]:
    """Records that break a shape or a curation rule: the build's checks, run on a copy."""
    copy = EmbeddedStore.in_memory()
    copy.add_quads(store.quads())
    findings = [*validate_data_graphs(copy).findings, *build_check_findings(copy)]
    return {f.focus for f in findings if f.severity == "Violation"}


def matrix_markdown(matrix: Matrix) -> str:
    """The member state x kind matrix alone (the README's coverage table)."""
    lines = [
        "| state | " + " | ".join(KINDS) + " |",
        "|---" * (len(KINDS) + 1) + "|",
    ]
    for code, row in matrix.items():
        lines.append(f"| {code} | " + " | ".join(str(row[k]) for k in KINDS) + " |")
    return "\n".join([*lines, "", LEGEND])


def as_markdown(matrix: Matrix) -> str:
    lines = [matrix_markdown(matrix), "", "Curation report (docs/curation.md):", ""]
    lines += [
        "| state | kind | records | verified | unverified | illustrative | failing no rule |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [f"| {' | '.join(cells)} |" for cells in _report_rows(matrix)]
    return "\n".join(lines)


def as_table(matrix: Matrix) -> str:
    header = ["state", *KINDS]
    rows = [[code, *(str(row[k]) for k in KINDS)] for code, row in matrix.items()]
    lines = _columns([header, *rows])
    lines.append(LEGEND)
    head = ["state", "kind", "records", "verified", "unverified", "illustrative", "failing no rule"]
    lines += ["", "curation report (docs/curation.md):", *_columns([head, *_report_rows(matrix)])]
    return "\n".join(lines)


def as_json(matrix: Matrix) -> str:
    payload = {
        code: {k: asdict(c) | {"failing_no_rule": c.passing} for k, c in row.items()}
        for code, row in matrix.items()
    }
    return json.dumps(payload, indent=2)


def _report_rows(matrix: Matrix) -> list[list[str]]:
    return [
        [code, kind, *map(str, (c.records, c.verified, c.unverified, c.illustrative, c.passing))]
        for code, row in matrix.items()
        for kind, c in row.items()
        if c.records
    ]


def _columns(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


FORMATTERS = {"table": as_table, "markdown": as_markdown, "json": as_json}
