"""`aqkg coverage`: the coverage query pivoted into a member state x kind matrix."""

from __future__ import annotations

import json
from dataclasses import dataclass

from aqkg.backend import Store
from aqkg.queries import catalogue
from aqkg.results import plain

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
COUNTRIES = ("BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "ASEAN")


@dataclass(frozen=True)
class Cell:
    records: int
    verified: int

    def __str__(self) -> str:
        if not self.records:
            return "-"
        return f"{self.records} ({round(100 * self.verified / self.records)}% v)"


Matrix = dict[str, dict[str, Cell]]


def coverage_matrix(store: Store) -> Matrix:
    result = store.select(catalogue()["coverage"].text)
    matrix: Matrix = {code: {kind: Cell(0, 0) for kind in KINDS} for code in COUNTRIES}
    for code, kind, records, verified in ([plain(t) for t in row] for row in result.rows):
        row = matrix.setdefault(code, {k: Cell(0, 0) for k in KINDS})
        row[kind] = Cell(int(records), int(verified))
    return matrix


def as_markdown(matrix: Matrix) -> str:
    lines = [
        "| state | " + " | ".join(KINDS) + " |",
        "|---" * (len(KINDS) + 1) + "|",
    ]
    for code, row in matrix.items():
        lines.append(f"| {code} | " + " | ".join(str(row[k]) for k in KINDS) + " |")
    lines.append("")
    lines.append("n (x% v) = n records, x% of them curated as verified; - = no record yet.")
    return "\n".join(lines)


def as_table(matrix: Matrix) -> str:
    header = ["state", *KINDS]
    rows = [[code, *(str(row[k]) for k in KINDS)] for code, row in matrix.items()]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("n (x% v) = n records, x% of them curated as verified; - = no record yet.")
    return "\n".join(lines)


def as_json(matrix: Matrix) -> str:
    payload = {
        code: {k: {"records": c.records, "verified": c.verified} for k, c in row.items()}
        for code, row in matrix.items()
    }
    return json.dumps(payload, indent=2)


FORMATTERS = {"table": as_table, "markdown": as_markdown, "json": as_json}
