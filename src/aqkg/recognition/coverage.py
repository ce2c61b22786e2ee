"""Unit coverage: which of a target qualification's units the held one's units reach, by
direct records or through a regional hub, under the chaining rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from aqkg.recognition.chaining import STRENGTH, chain, covers, read_relation, weakest
from aqkg.recognition.evidence import Row
from aqkg.recognition.model import (
    Coverage,
    Hop,
    MissingUnit,
    Relation,
    Unit,
    UnitMatch,
)
from aqkg.recognition.reader import Reader, local_name, text_of
from aqkg.store.backend import Store


@dataclass(frozen=True)
class _Record:
    iri: str
    predicate: str
    forward: bool  # True when the record's subject is on the holder's side of the hop


_HopKey = tuple[str, str]  # (holder-side unit, target-side unit)
_PathKey = tuple[str, str, str]  # (target unit, holder unit, hub or "")


@dataclass
class _Evidence:
    """Rows of unit-coverage.rq gathered by hop and by path."""

    units: dict[str, Unit] = field(default_factory=dict)
    hops: dict[_HopKey, set[_Record]] = field(default_factory=lambda: defaultdict(set))
    paths: dict[str, set[_PathKey]] = field(default_factory=lambda: defaultdict(set))
    order: list[str] = field(default_factory=list)


def _gather(rows: list[Row]) -> _Evidence:
    evidence = _Evidence()
    for r in rows:
        target = text_of(r["targetUnit"])
        if target not in evidence.units:
            evidence.order.append(target)
            evidence.units[target] = Unit(
                target, text_of(r["targetCode"]) or local_name(target), text_of(r["targetTitle"])
            )
        if r["holderUnit"] is None:
            continue
        holder, hub = text_of(r["holderUnit"]), text_of(r["hub"])
        evidence.units.setdefault(
            holder, Unit(holder, text_of(r["holderCode"]) or local_name(holder))
        )
        first = _Record(
            text_of(r["firstRecord"]),
            local_name(text_of(r["firstMatch"])),
            _is_true(r, "firstForward"),
        )
        evidence.hops[(holder, hub or target)].add(first)
        if hub:
            evidence.units.setdefault(hub, Unit(hub, text_of(r["hubCode"]) or local_name(hub)))
            second = _Record(
                text_of(r["secondRecord"]),
                local_name(text_of(r["secondMatch"])),
                _is_true(r, "secondForward"),
            )
            evidence.hops[(hub, target)].add(second)
        evidence.paths[target].add((target, holder, hub))
    return evidence


def _is_true(row: Row, name: str) -> bool:
    return text_of(row[name]) == "true"


@dataclass(frozen=True)
class _PathResult:
    match: UnitMatch | None
    rejection: str
    no_match_records: tuple[str, ...]


def _hop(reader: Reader, key: _HopKey, records: set[_Record]) -> Hop | tuple[str, ...]:
    """The hop, or the NoMatch records that block it (empty: no usable record at all)."""
    blocking = _no_match(records)
    usable = sorted((r for r in records if read_relation(r.predicate, True)), key=lambda r: r.iri)
    if blocking or not usable:
        return blocking
    relation = weakest(_oriented(r) for r in usable)
    assert relation is not None  # usable is not empty
    evidence = tuple(reader.evidence(r.iri, r.predicate, r.forward) for r in usable)
    return Hop(key[0], key[1], relation, evidence)


def _no_match(records: Iterable[_Record]) -> tuple[str, ...]:
    return tuple(sorted(r.iri for r in records if r.predicate == "NoMatch"))


def _oriented(record: _Record) -> Relation:
    relation = read_relation(record.predicate, record.forward)
    assert relation is not None  # only called on usable records
    return relation


def _evaluate_path(reader: Reader, evidence: _Evidence, path: _PathKey) -> _PathResult:
    target, holder, hub = path
    vetoes = _no_match(evidence.hops.get((holder, target), set()))
    if vetoes and hub:
        return _PathResult(
            None, f"{_code(evidence, holder)}: a NoMatch record pairs the two units", vetoes
        )
    keys = [(holder, hub), (hub, target)] if hub else [(holder, target)]
    hops: list[Hop] = []
    for key in keys:
        hop = _hop(reader, key, evidence.hops[key])
        if not isinstance(hop, Hop):
            between = f"between {_code(evidence, key[0])} and {_code(evidence, key[1])}"
            reason = f"NoMatch {between}" if hop else f"no usable mapping record {between}"
            return _PathResult(None, reason, hop)
        hops.append(hop)
    relation = chain([h.relation for h in hops])
    if relation is None:
        kinds = " + ".join(h.relation for h in hops)
        via = f" via {_code(evidence, hub)}" if hub else ""
        reason = (
            f"{_code(evidence, holder)}{via}: {kinds} does not chain (one non-exact hop at most)"
        )
        return _PathResult(None, reason, ())
    match = UnitMatch(
        unit=evidence.units[target],
        matched_by=evidence.units[holder],
        via=evidence.units[hub] if hub else None,
        hops=tuple(hops),
        relation=relation,
        covers=covers(relation),
    )
    return _PathResult(match, "", ())


def _code(evidence: _Evidence, iri: str) -> str:
    unit = evidence.units.get(iri)
    return unit.code if unit else local_name(iri)


def _best_first(match: UnitMatch) -> tuple[int, int, str, str]:
    via = match.via.iri if match.via else ""
    return (-STRENGTH[match.relation], len(match.hops), match.matched_by.iri, via)


def unit_coverage(store: Store, holder: str, target: str) -> Coverage:
    """How far the target qualification's units are matched by the holder's (see module doc)."""
    return coverage_between(Reader(store), holder, target)


def coverage_between(
    reader: Reader, holder: str, target: str, rows: list[Row] | None = None
) -> Coverage:
    """The coverage from unit-coverage's rows for the pair (asked for when not given). A pair
    is computed once per reader: an answer for every destination asks for the same job titles
    of a regional standard in each."""
    key = (holder, target)
    if key not in reader.coverages:
        if rows is None:
            rows = reader.rows("unit-coverage", holder=holder, target=target)
        reader.coverages[key] = _computed_coverage(reader, holder, target, rows)
    return reader.coverages[key]


def _computed_coverage(reader: Reader, holder: str, target: str, rows: list[Row]) -> Coverage:
    evidence = _gather(rows)
    matches: list[UnitMatch] = []
    others: list[UnitMatch] = []
    missing: list[MissingUnit] = []
    for unit in evidence.order:
        results = [_evaluate_path(reader, evidence, p) for p in sorted(evidence.paths[unit])]
        valid = sorted((r.match for r in results if r.match), key=_best_first)
        if valid:
            matches.append(valid[0])
            others.extend(valid[1:])
            continue
        missing.append(_missing(evidence.units[unit], results))
    return _summarise(holder, target, len(evidence.order), matches, missing, others)


def _missing(unit: Unit, results: list[_PathResult]) -> MissingUnit:
    reasons = tuple(r.rejection for r in results if r.rejection) or (
        "no mapping path from any unit of the other qualification",
    )
    vetoes = tuple(sorted({v for r in results for v in r.no_match_records}))
    return MissingUnit(unit, reasons, vetoes)


def _summarise(
    holder: str,
    target: str,
    total: int,
    matches: list[UnitMatch],
    missing: list[MissingUnit],
    others: list[UnitMatch],
) -> Coverage:
    full = sum(1 for m in matches if m.covers == "full")
    return Coverage(
        of_qualification=target,
        by_qualification=holder,
        total=total,
        covered=full,
        partly_covered=len(matches) - full,
        share_covered=_share(full, total),
        share_matched=_share(len(matches), total),
        weakest=weakest(m.relation for m in matches),
        matches=tuple(matches),
        missing=tuple(missing),
        other_paths=tuple(others),
    )


def _share(part: int, total: int) -> float:
    return round(part / total, 4) if total else 0.0
