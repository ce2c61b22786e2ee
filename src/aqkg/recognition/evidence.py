"""The rows `unit-coverage` gives for a pair of qualifications, derived without asking it.

The engine needs unit coverage in both directions for every candidate: two `unit-coverage`
queries per candidate, each walking out from the RMCS hubs to every unit mapped to them (a
cost that grows with the graph). Instead it reads, once per question, every mapping path out of
the held qualification's units (queries/recognition-unit-paths.rq) and the units of the held
qualification and of every candidate (queries/recognition-units.rq); this module turns those
into exactly the rows `unit-coverage` would give for (held, candidate) and for
(candidate, held): same columns, same DISTINCT rows, same ORDER BY. A path read from the
candidate's side is the same records walked backwards, so each record's direction flag flips.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from aqkg.sparql.results import plain
from aqkg.store.embedded import Term

Row = dict[str, Term | None]
TRUE, FALSE = ox.Literal(True), ox.Literal(False)
# unit-coverage.rq's ORDER BY
ORDER = ("targetCode", "targetUnit", "holderUnit", "hub", "firstRecord", "secondRecord")
COLUMNS = (
    "targetUnit",
    "targetCode",
    "targetTitle",
    "holderUnit",
    "holderCode",
    "hub",
    "hubCode",
    "firstRecord",
    "firstMatch",
    "firstForward",
    "secondRecord",
    "secondMatch",
    "secondForward",
    "holder",
    "target",
)


@dataclass(frozen=True)
class UnitRow:
    """A row of recognition-units.rq."""

    unit: str
    code: Term | None
    title: Term | None
    term: Term


class Paths:
    """The rows of recognition-unit-paths.rq for one held qualification, by far end."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self.by_unit: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            self.by_unit[plain(row["unit"])].append(row)

    def records(self, units: Iterable[str]) -> set[str]:
        """Every mapping record on a path ending at one of `units`."""
        found: set[str] = set()
        for unit in units:
            for row in self.by_unit.get(unit, ()):
                found |= {plain(t) for t in (row["firstRecord"], row["secondRecord"]) if t}
        return found


def forward_rows(
    held: Term, target: Term, paths: Paths, held_units: Sequence[UnitRow], units: Sequence[UnitRow]
) -> list[Row]:
    """unit-coverage rows with holder = the held qualification, target = a candidate."""
    codes = _codes(held_units)
    rows = []
    for unit in units:
        found = [
            _row(unit, p["heldUnit"], codes, p, first="first", second="second", flip=False)
            for p in paths.by_unit.get(unit.unit, ())
        ]
        rows += _with_pair(held, target, unit, found)
    return _ordered(rows)


def reverse_rows(
    held: Term, target: Term, paths: Paths, held_units: Sequence[UnitRow], units: Sequence[UnitRow]
) -> list[Row]:
    """unit-coverage rows with holder = a candidate (`target`), target = the held one."""
    codes = _codes(units)
    by_held_unit: dict[str, list[Row]] = defaultdict(list)
    for candidate_unit in {u.unit for u in units}:
        for p in paths.by_unit.get(candidate_unit, ()):
            by_held_unit[plain(p["heldUnit"])].append(p)
    rows = []
    for unit in held_units:
        found = []
        for p in by_held_unit.get(unit.unit, ()):
            # Walked backwards: the candidate's unit comes first, the second record (if any)
            # becomes the first.
            first, second = ("second", "first") if p["hub"] else ("first", "second")
            found.append(_row(unit, p["unit"], codes, p, first=first, second=second, flip=True))
        rows += _with_pair(target, held, unit, found)
    return _ordered(rows)


def _codes(units: Sequence[UnitRow]) -> dict[str, list[Term | None]]:
    codes: dict[str, list[Term | None]] = defaultdict(list)
    for u in units:
        if u.code not in codes[u.unit]:
            codes[u.unit].append(u.code)
    return codes


def _row(
    unit: UnitRow,
    holder_unit: Term | None,
    codes: dict[str, list[Term | None]],
    path: Row,
    *,
    first: str,
    second: str,
    flip: bool,
) -> list[Row]:
    """One path as unit-coverage rows (one per code of the holder's unit)."""
    assert holder_unit is not None
    base: Row = {
        "targetUnit": unit.term,
        "targetCode": unit.code,
        "targetTitle": unit.title,
        "holderUnit": holder_unit,
        "hub": path["hub"],
        "hubCode": path["hubCode"],
        "firstRecord": path[f"{first}Record"],
        "firstMatch": path[f"{first}Match"],
        "firstForward": _flag(path[f"{first}Forward"], flip),
        "secondRecord": path[f"{second}Record"],
        "secondMatch": path[f"{second}Match"],
        "secondForward": _flag(path[f"{second}Forward"], flip),
    }
    return [base | {"holderCode": code} for code in codes.get(plain(holder_unit)) or [None]]


def _flag(term: Term | None, flip: bool) -> Term | None:
    if term is None or not flip:
        return term
    return FALSE if plain(term) in ("true", "1") else TRUE


def _with_pair(holder: Term, target: Term, unit: UnitRow, found: list[list[Row]]) -> list[Row]:
    rows = [r for group in found for r in group]
    if not rows:  # the OPTIONAL found no path: one row with blank path columns
        rows = [{"targetUnit": unit.term, "targetCode": unit.code, "targetTitle": unit.title}]
    return [{c: r.get(c) for c in COLUMNS} | {"holder": holder, "target": target} for r in rows]


def _ordered(rows: list[Row]) -> list[Row]:
    """DISTINCT, then SPARQL's ORDER BY (unbound first; these columns are IRIs or plain
    literals, so comparing their text is SPARQL's order)."""
    unique = {tuple(str(r[c]) if r[c] is not None else "" for c in COLUMNS): r for r in rows}
    return sorted(
        unique.values(),
        key=lambda r: tuple((0, "") if r[c] is None else (1, plain(r[c])) for c in ORDER),
    )
