"""Recognition engine: what a qualification held in one member state may count as in another.

For each candidate target qualification in the destination country (one that shares an
occupation, an ISCO-08 group, a unit path or an AQRF level with the held one) the engine reports
the basis (an MRS corridor or an ASEAN MRA covering the occupation of both, else AQRF level
comparability only), the AQRF levels of both sides, the unit coverage in both directions, every
step with its curation status and sources, and a ranking with a one-line reason.

Data access is through named queries (queries/recognition-*.rq, queries/unit-coverage.rq) bound
with typed parameters; the path logic lives here, in small pure functions. The result
dataclasses live in aqkg.recognition.model and rendering in aqkg.recognition.formatting.

Chaining rule (unit coverage)
-----------------------------
A target unit is matched by a holder unit through a *direct* mapping record between the two, or
through a regional hub unit: holder unit - RMCS or ACCSTP unit - target unit (one record per
hop). Records are SSSOM-style and read in either direction.

* Every hop is read from the holder's side towards the target's side and named by what the
  holder's side is: ``exact``, ``close``, ``broader`` (the holder's side is the wider concept) or
  ``narrower``. A record ``A skos:broadMatch B`` says B is broader, so A is ``narrower``; read
  backwards (B towards A) the same record gives ``broader``. narrowMatch is the mirror image.
* skos:exactMatch is transitive; closeMatch, broadMatch and narrowMatch are not. A path is
  valid only if at most one of its hops is non-exact (exact+exact gives exact, exact+close gives
  close, close+close or broader+broader does not chain).
* A path's strength is its weakest hop: exact > close > broader > narrower.
* Direction decides coverage: a holder unit that is ``exact``, ``close`` or ``broader`` than the
  target unit covers it (``full``); a ``narrower`` one covers it only in part (``partial``): it is
  counted and shown as partly covered, never rounded up to covered.
* aqkg:NoMatch records say "explicitly not the same": a hop (or a direct pair) with a NoMatch
  record is blocked even if another record pairs the same units.
* When several records pair the same two units, the hop takes the weakest of them.
* Per target unit the best valid path is reported (strongest, then fewest hops); the weakest
  link of a coverage is the weakest relation over all matched units.

Basis, levels and ranking
-------------------------
* A corridor (aqkg:RecognitionCorridor) or MRA (aqkg:MutualRecognitionArrangement) is a basis
  when both countries are among its aqkg:party and it covers (aqkg:coversOccupation) an
  occupation of both qualifications. Occupations are those named by aqkg:forOccupation on the
  qualification or on the standard it is based on, compared by IRI: a shared ISCO-08 group makes a
  candidate but not a basis (an ISCO link is a broad match, not identity).
* AQRF levels come only from published NQF->AQRF level alignments; where there is none the level
  is reported as "not referenced to the AQRF (status: ...)", or for an endorsed referencing
  that publishes no pairing, as endorsed without a recorded pairing; never guessed.
* Ranking: real before illustrative (a path resting on an illustrative record is ranked below
  every path that rests on none, and its "why" says so), then basis (corridor or MRA, then a
  shared AQRF level, then AQRF comparability that cannot be shown), then the share of the
  target's units covered, then the weakest link, then the share matched at all (partial
  included), then the reference, so the order is stable.

Certification paths
-------------------
An arrangement that certifies workers against a regional standard (aqkg:certifiesAgainst: the MRA
on Tourism Professionals and the ACCSTP) gives a second kind of answer, independent of the
destination's qualifications: every job title of the standard (an occupation with
aqkg:requiresUnit) whose units the held qualification's units reach, with the unit coverage of
the job title's units under the same chaining rule, the certification body of the holder's
country, and the statement that the certified worker is recognised in the destination under the
arrangement, subject to its domestic law.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

import pyoxigraph as ox

from aqkg.paths import queries_dir
from aqkg.recognition.evidence import Paths, UnitRow, forward_rows, reverse_rows
from aqkg.recognition.formatting import render
from aqkg.recognition.model import (
    AqrfPairing,
    Arrangement,
    Basis,
    BasisKind,
    Candidate,
    Certification,
    Coverage,
    Dependence,
    Hop,
    LevelPlacement,
    MappingEvidence,
    MissingUnit,
    Occupation,
    Qualification,
    Recognition,
    Relation,
    Shared,
    Source,
    Step,
    Unit,
    UnitMatch,
)
from aqkg.sparql.binding import inline, with_rows
from aqkg.sparql.catalogue import NamedQuery, QueryParamError, bind_params, read_query
from aqkg.sparql.results import plain
from aqkg.store.backend import Store
from aqkg.store.embedded import Term

AQKG = "https://w3id.org/aqkg/ontology#"
ID_BASE = "https://w3id.org/aqkg/id/"
QUALIFICATION_BASE = ID_BASE + "qualification/"

# The result dataclasses are defined in aqkg.recognition.model and re-exported from here.
__all__ = [
    "AQKG",
    "FULL_COVER",
    "ID_BASE",
    "QUALIFICATION_BASE",
    "RANKING_RULE",
    "STRENGTH",
    "AqrfPairing",
    "Arrangement",
    "Basis",
    "BasisKind",
    "Candidate",
    "Certification",
    "Coverage",
    "Dependence",
    "Hop",
    "LevelPlacement",
    "MappingEvidence",
    "MissingUnit",
    "Occupation",
    "Qualification",
    "Recognition",
    "RecognitionError",
    "Relation",
    "Shared",
    "Source",
    "Step",
    "Unit",
    "UnitMatch",
    "chain",
    "choose_basis",
    "covers",
    "dependence",
    "dependence_warnings",
    "format_recognition",
    "level_statement",
    "load_arrangements",
    "load_qualification",
    "rank_candidates",
    "read_relation",
    "recognise",
    "resolve_country",
    "resolve_qualification",
    "unit_coverage",
    "weakest",
]

STRENGTH: dict[Relation, int] = {"exact": 4, "close": 3, "broader": 2, "narrower": 1}
FULL_COVER: frozenset[Relation] = frozenset({"exact", "close", "broader"})

# A record's predicate read from its subject to its object, named by what the subject is.
_READ_FORWARD: dict[str, Relation] = {
    "ExactMatch": "exact",
    "CloseMatch": "close",
    "BroadMatch": "narrower",  # the object is broader, so the subject is the narrower one
    "NarrowMatch": "broader",
}
_INVERSE: dict[Relation, Relation] = {
    "exact": "exact",
    "close": "close",
    "broader": "narrower",
    "narrower": "broader",
}
_CURATION = {"Verified": "verified", "Unverified": "unverified", "Illustrative": "illustrative"}
_ARRANGEMENT_KINDS = ("corridor", "mra")
_QUALS = "recognition-qualifications"
_PROVENANCE = "recognition-provenance"
_QUALIFICATION = "recognition-qualification"
_OCCUPATIONS = "recognition-occupations"
_UNITS = "recognition-units"
_BATCH = 500  # IRIs per VALUES block

RANKING_RULE = (
    "real before illustrative (a path resting on no illustrative record first), then the basis "
    "(a corridor or MRA covering the occupation of both > a shared AQRF level > AQRF level "
    "comparability that cannot be shown), then the share of the target's units covered, then "
    "the weakest link (exact > close > broader > narrower), then the share matched at all "
    "(partial included)"
)


class RecognitionError(Exception):
    """The question cannot be answered as asked; the one-line message says why."""


# ---------------------------------------------------------------------------------------------
# Chaining rule: pure functions
# ---------------------------------------------------------------------------------------------


def read_relation(predicate: str, forward: bool) -> Relation | None:
    """What the holder's side is, for a record read forwards or backwards; None for NoMatch."""
    relation = _READ_FORWARD.get(predicate)
    if relation is None:
        return None
    return relation if forward else _INVERSE[relation]


def chain(relations: Sequence[Relation]) -> Relation | None:
    """The relation a path of hops gives, or None when it does not chain (two non-exact hops)."""
    non_exact = [r for r in relations if r != "exact"]
    if len(non_exact) > 1:
        return None
    return non_exact[0] if non_exact else "exact"


def weakest(relations: Iterable[Relation]) -> Relation | None:
    return min(relations, key=STRENGTH.__getitem__, default=None)


def covers(relation: Relation) -> Literal["full", "partial"]:
    return "full" if relation in FULL_COVER else "partial"


# ---------------------------------------------------------------------------------------------
# Query access
# ---------------------------------------------------------------------------------------------

Row = dict[str, Term | None]


@cache
def _named_query(name: str) -> NamedQuery:
    return read_query(queries_dir() / f"{name}.rq")


def _text(term: Term | None) -> str:
    return plain(term)


def _int(term: Term | None) -> int | None:
    text = _text(term)
    return int(text) if text.lstrip("-").isdigit() else None


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _curation(term: Term | None) -> str:
    return _CURATION.get(_local(_text(term)), "unknown") if term is not None else "unknown"


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


class _Reader:
    """Runs the named queries for one recognition, caching provenance per record."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._provenance: dict[str, _Provenance] = {}
        self._read: dict[tuple[str, str, str], list[Row]] = {}  # (query, param, IRI) -> rows

    def rows(self, name: str, **params: str) -> list[Row]:
        if len(params) == 1:
            [(param, value)] = params.items()
            if (name, param, value) in self._read:
                return self._read[(name, param, value)]
        query = _named_query(name)
        result = self.store.select(inline(query.text, bind_params(query, params)))
        return [dict(zip(result.variables, row, strict=True)) for row in result.rows]

    def read_ahead(self, name: str, param: str, iris: Iterable[str]) -> None:
        """Run a query with one IRI parameter for many IRIs at once (a VALUES block), so that
        rows(name, param=iri) then answers from memory with the same rows, in the same order."""
        wanted = sorted({i for i in iris if (name, param, i) not in self._read})
        for start in range(0, len(wanted), _BATCH):
            chunk = wanted[start : start + _BATCH]
            query = _named_query(name)
            for iri in chunk:
                self._read[(name, param, iri)] = []
            result = self.store.select(with_rows(query.text, param, chunk))
            at = result.variables.index(param)
            for row in result.rows:
                key = (name, param, _text(row[at]))
                self._read[key].append(dict(zip(result.variables, row, strict=True)))

    def provenance(self, iri: str) -> _Provenance:
        """Label, curation status, sources and modelled-on documents of any record."""
        if iri not in self._provenance:
            rows = self.rows(_PROVENANCE, record=iri)
            cited: dict[str, dict[str, Source]] = {"source": {}, "modelled on": {}}
            for r in rows:
                if r["source"] is None:
                    continue
                cited[_text(r["role"])][_text(r["source"])] = Source(
                    iri=_text(r["source"]),
                    title=_text(r["sourceTitle"]),
                    publisher=_text(r["publisher"]),
                    year=_text(r["issued"])[:4],
                    url=_text(r["url"]),
                )
            label = next((_text(r["label"]) for r in rows if r["label"] is not None), "")
            curation = next((_curation(r["curation"]) for r in rows), "unknown")
            self._provenance[iri] = _Provenance(
                label, curation, _by_iri(cited["source"]), _by_iri(cited["modelled on"])
            )
        return self._provenance[iri]

    def step(self, kind: str, iri: str) -> Step:
        found = self.provenance(iri)
        return Step(
            kind, iri, found.label, found.curation, _iris(found.sources), _iris(found.modelled_on)
        )

    def evidence(self, record: str, predicate: str, forward: bool) -> MappingEvidence:
        found = self.provenance(record)
        return MappingEvidence(
            record=record,
            predicate=_lower_first(predicate),
            read="forward" if forward else "backward",
            curation=found.curation,
            sources=_iris(found.sources),
            modelled_on=_iris(found.modelled_on),
        )


@dataclass(frozen=True)
class _Provenance:
    label: str
    curation: str
    sources: tuple[Source, ...]
    modelled_on: tuple[Source, ...]  # an illustrative record's models: never evidence


def _by_iri(found: dict[str, Source]) -> tuple[Source, ...]:
    return tuple(found[key] for key in sorted(found))


def _iris(sources: Iterable[Source]) -> tuple[str, ...]:
    return tuple(s.iri for s in sources)


# ---------------------------------------------------------------------------------------------
# Resolving the question
# ---------------------------------------------------------------------------------------------


def _reference(iri: str) -> str:
    return iri[len(QUALIFICATION_BASE) :] if iri.startswith(QUALIFICATION_BASE) else iri


def resolve_qualification(reader: _Reader, given: str) -> str:
    """The IRI of a qualification given as an IRI or as XX/CODE; near matches when unknown."""
    text = given.strip().strip("<>")
    # Looked up directly first: the list of every qualification costs a scan of them all.
    iri = text if text.startswith(("http://", "https://")) else QUALIFICATION_BASE + text
    try:
        if reader.rows(_QUALS, qualification=iri):
            return iri
    except QueryParamError:
        pass  # not an IRI at all: the near matches below say what was meant
    known = {_text(r["reference"]): _text(r["qualification"]) for r in reader.rows(_QUALS)}
    wanted = _reference(text) if text.startswith(("http://", "https://")) else text
    if text in known.values():
        return text
    by_lower = {reference.lower(): iri for reference, iri in known.items()}
    if wanted.lower() in by_lower:
        return by_lower[wanted.lower()]
    raise RecognitionError(
        f"unknown qualification {given!r}: {_near(wanted, list(known))} "
        "(`aqkg query recognition-qualifications` lists them)"
    )


def _near(wanted: str, choices: list[str]) -> str:
    """Up to four choices like `wanted`: containing it, similar to it, or of the same country."""
    lowered = {c.lower(): c for c in choices}
    key = wanted.lower()
    close = difflib.get_close_matches(key, list(lowered), n=3, cutoff=0.5)
    containing = [c for c in choices if key and key in c.lower()]
    prefix = key.split("/", 1)[0] + "/" if "/" in key else None
    same_country = [c for c in choices if prefix and c.lower().startswith(prefix)]
    near = list(dict.fromkeys([*containing, *(lowered[c] for c in close), *same_country]))[:4]
    return f"did you mean {', '.join(near)}?" if near else "no near match"


def resolve_country(reader: _Reader, given: str) -> tuple[str, str]:
    """(ISO alpha-2 code, English name) of a member state given by code or by name."""
    rows = reader.rows("recognition-member-states")
    names = {_text(r["code"]): _text(r["name"]) for r in rows}
    text = given.strip()
    for code, name in names.items():
        if text.upper() == code or text.lower() == name.lower():
            return code, name
    choices = [*names, *names.values()]
    codes = ", ".join(f"{c} ({n})" for c, n in names.items())
    raise RecognitionError(
        f"unknown country {given!r}: {_near(text, choices)}; member states: {codes}"
    )


# ---------------------------------------------------------------------------------------------
# Qualifications, levels, occupations, arrangements
# ---------------------------------------------------------------------------------------------


def load_qualification(reader: _Reader, iri: str) -> Qualification:
    rows = reader.rows(_QUALIFICATION, qualification=iri)
    if not rows:
        raise RecognitionError(f"no qualification {iri} in the store (is it built?)")
    first = rows[0]
    return Qualification(
        iri=iri,
        reference=_reference(iri),
        title=_text(first["title"]),
        country=_text(first["countryCode"]),
        country_name=_text(first["countryName"]),
        curation=_curation(first["curation"]),
        level=_level(rows),
        occupations=_occupations(reader.rows(_OCCUPATIONS, qualification=iri)),
    )


def _level(rows: list[Row]) -> LevelPlacement:
    first = rows[0]
    pairings = tuple(
        AqrfPairing(
            aqrf_level=_text(r["aqrfLevel"]),
            aqrf_rank=_int(r["aqrfRank"]),
            match=_local(_text(r["alignmentMatch"])),
            alignment=_text(r["alignment"]),
            curation=_curation(r["alignmentCuration"]),
        )
        for r in rows
        if r["alignment"] is not None
    )
    status = _text(first["referencingStatusTitle"]) or _local(_text(first["referencingStatus"]))
    placement = LevelPlacement(
        level=_text(first["level"]),
        title=_text(first["levelTitle"]) or _local(_text(first["level"])),
        rank=_int(first["levelRank"]),
        framework=_text(first["framework"]),
        framework_title=_text(first["frameworkTitle"]),
        referencing=_text(first["referencing"]),
        referencing_status=status or "no referencing record",
        aqrf=pairings,
        statement="",
    )
    return dataclasses.replace(placement, statement=level_statement(placement))


def level_statement(level: LevelPlacement) -> str:
    """The AQRF level(s) of a national level, or why there is none; never a guess."""
    if not level.level:
        return "no level in its national framework"
    if level.aqrf:
        pairs = ", ".join(
            f"AQRF level {p.aqrf_rank} ({_words(p.match)})" for p in level.aqrf if p.aqrf_rank
        )
        return f"{level.title}: {pairs}"
    if level.referencing_status.endswith("endorsed"):
        # Endorsed reports pair levels, but no pairing is in the graph: say so, never guess.
        return (
            f"{level.title}: the framework's AQRF referencing is endorsed, but no level pairing "
            "from it is recorded, so the AQRF level is not shown"
        )
    return f"{level.title}: not referenced to the AQRF (status: {level.referencing_status})"


def _words(match: str) -> str:
    return {"ExactMatch": "exact", "CloseMatch": "close", "BroadMatch": "broad"}.get(
        match, {"NarrowMatch": "narrow", "NoMatch": "no match"}.get(match, match)
    )


def _occupations(rows: list[Row]) -> tuple[Occupation, ...]:
    via: dict[str, set[str]] = defaultdict(set)
    isco: dict[str, set[str]] = defaultdict(set)
    titles: dict[str, str] = {}
    for r in rows:
        iri = _text(r["occupation"])
        titles[iri] = _text(r["occupationTitle"]) or _local(iri)
        via[iri].add(_text(r["via"]))
        if r["iscoGroup"] is not None:
            isco[iri].add(_text(r["iscoCode"]) or _local(_text(r["iscoGroup"])))
    return tuple(
        Occupation(iri, titles[iri], tuple(sorted(via[iri])), tuple(sorted(isco[iri])))
        for iri in sorted(titles)
    )


def load_arrangements(reader: _Reader, from_country: str, to_country: str) -> list[Arrangement]:
    rows = reader.rows("recognition-arrangements", fromCountry=from_country, toCountry=to_country)
    grouped: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        grouped[_text(r["arrangement"])].append(r)
    return [_arrangement(iri, group) for iri, group in sorted(grouped.items())]


def _arrangement(iri: str, rows: list[Row]) -> Arrangement:
    covered = sorted(
        {(_text(r["occupation"]), _text(r["occupationTitle"])) for r in rows} - {("", "")}
    )
    return Arrangement(
        iri=iri,
        kind=_text(rows[0]["kind"]),
        title=_text(rows[0]["title"]),
        curation=_curation(rows[0]["curation"]),
        occupations=tuple(o for o, _ in covered),
        occupation_titles=tuple(t or _local(o) for o, t in covered),
    )


# ---------------------------------------------------------------------------------------------
# Unit coverage
# ---------------------------------------------------------------------------------------------


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
        target = _text(r["targetUnit"])
        if target not in evidence.units:
            evidence.order.append(target)
            evidence.units[target] = Unit(
                target, _text(r["targetCode"]) or _local(target), _text(r["targetTitle"])
            )
        if r["holderUnit"] is None:
            continue
        holder, hub = _text(r["holderUnit"]), _text(r["hub"])
        evidence.units.setdefault(holder, Unit(holder, _text(r["holderCode"]) or _local(holder)))
        first = _Record(
            _text(r["firstRecord"]), _local(_text(r["firstMatch"])), _is_true(r, "firstForward")
        )
        evidence.hops[(holder, hub or target)].add(first)
        if hub:
            evidence.units.setdefault(hub, Unit(hub, _text(r["hubCode"]) or _local(hub)))
            second = _Record(
                _text(r["secondRecord"]),
                _local(_text(r["secondMatch"])),
                _is_true(r, "secondForward"),
            )
            evidence.hops[(hub, target)].add(second)
        evidence.paths[target].add((target, holder, hub))
    return evidence


def _is_true(row: Row, name: str) -> bool:
    return _text(row[name]) == "true"


@dataclass(frozen=True)
class _PathResult:
    match: UnitMatch | None
    rejection: str
    no_match_records: tuple[str, ...]


def _hop(reader: _Reader, key: _HopKey, records: set[_Record]) -> Hop | tuple[str, ...]:
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


def _evaluate_path(reader: _Reader, evidence: _Evidence, path: _PathKey) -> _PathResult:
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
    return unit.code if unit else _local(iri)


def _best_first(match: UnitMatch) -> tuple[int, int, str, str]:
    via = match.via.iri if match.via else ""
    return (-STRENGTH[match.relation], len(match.hops), match.matched_by.iri, via)


def unit_coverage(store: Store, holder: str, target: str) -> Coverage:
    """How far the target qualification's units are matched by the holder's (see module doc)."""
    return _coverage(_Reader(store), holder, target)


def _coverage(reader: _Reader, holder: str, target: str, rows: list[Row] | None = None) -> Coverage:
    """The coverage from unit-coverage's rows for the pair (asked for when not given)."""
    if rows is None:
        rows = reader.rows("unit-coverage", holder=holder, target=target)
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


# ---------------------------------------------------------------------------------------------
# Candidates, basis, steps, ranking
# ---------------------------------------------------------------------------------------------


def _candidate_shares(reader: _Reader, held: str, country: str) -> dict[str, list[Shared]]:
    shares: dict[str, list[Shared]] = defaultdict(list)
    for r in reader.rows("recognition-candidates", qualification=held, country=country):
        via = _text(r["via"])
        shares[_text(r["candidate"])].append(
            Shared(_text(r["shares"]), via, _text(r["viaTitle"]) or _local(via))
        )
    return shares


def choose_basis(
    held: Qualification, target: Qualification, arrangements: Sequence[Arrangement]
) -> Basis:
    """A corridor or MRA covering an occupation of both, else AQRF level comparability only."""
    shared = {o.iri for o in held.occupations} & {o.iri for o in target.occupations}
    covering = tuple(
        a
        for a in arrangements
        if a.kind in _ARRANGEMENT_KINDS and shared.intersection(a.occupations)
    )
    if covering:
        kind: BasisKind = "corridor" if any(a.kind == "corridor" for a in covering) else "mra"
        titles = sorted(
            {
                title
                for a in covering
                for occupation, title in zip(a.occupations, a.occupation_titles, strict=True)
                if occupation in shared
            }
        )
        names = "; ".join(f"{_kind_name(a.kind)} {a.title!r} ({a.curation})" for a in covering)
        statement = f"{names} covers {', '.join(titles)} for both countries"
        return Basis(kind, 2, covering, tuple(titles), statement)
    common = held.level.comparable_aqrf_ranks() & target.level.comparable_aqrf_ranks()
    strength = 1 if common else 0
    return Basis("aqrf-level-only", strength, (), (), _aqrf_only_statement(held, target))


def _kind_name(kind: str) -> str:
    return {"corridor": "MRS corridor", "mra": "MRA", "mrs": "MRS arrangement"}.get(kind, kind)


def _aqrf_only_statement(held: Qualification, target: Qualification) -> str:
    common = held.level.comparable_aqrf_ranks() & target.level.comparable_aqrf_ranks()
    if common:
        levels = ", ".join(str(n) for n in sorted(common))
        return f"AQRF level comparability only: both are at AQRF level {levels}"
    if held.level.aqrf and target.level.aqrf:
        return (
            "AQRF level comparability only, and the levels differ: "
            f"{held.level.statement}; {target.level.statement}"
        )
    return (
        "AQRF level comparability only, and it cannot be shown: "
        f"{held.level.statement}; {target.level.statement}"
    )


def _steps(
    reader: _Reader,
    held: Qualification,
    target: Qualification,
    basis: Basis,
    coverages: Iterable[Coverage],
) -> tuple[Step, ...]:
    steps = [reader.step("qualification", held.iri), reader.step("qualification", target.iri)]
    steps += [reader.step(a.kind, a.iri) for a in basis.arrangements]
    records = {e.record for c in coverages for m in c.matches for h in m.hops for e in h.records}
    steps += [reader.step("mapping", iri) for iri in sorted(records)]
    alignments = {p.alignment for q in (held, target) for p in q.level.aqrf}
    steps += [reader.step("level-alignment", iri) for iri in sorted(alignments)]
    return tuple(steps)


def dependence(steps: Sequence[Step]) -> Dependence:
    def count(status: str) -> int:
        return sum(1 for s in steps if s.curation == status)

    return Dependence(len(steps), count("illustrative"), count("unverified"), count("unknown"))


def dependence_warnings(dep: Dependence) -> tuple[str, ...]:
    """The lines that must show wherever a result rests on illustrative or unchecked data."""
    lines = []
    if dep.illustrative:
        lines.append(f"depends on illustrative data: {dep.illustrative} of {dep.steps} steps")
    if dep.unverified:
        lines.append(f"depends on unverified data: {dep.unverified} of {dep.steps} steps")
    if dep.unknown:
        lines.append(
            f"depends on records without a curation status: {dep.unknown} of {dep.steps} steps"
        )
    return tuple(lines)


def _why(basis: Basis, coverage: Coverage) -> str:
    basis_text = {
        "corridor": "an MRS corridor covers the occupation of both",
        "mra": "an ASEAN MRA covers the occupation of both",
        "aqrf-level-only": "no corridor or MRA: AQRF level comparability only",
    }[basis.kind]
    if basis.strength == 0:
        basis_text += ", which cannot be shown"
    units = f"{coverage.covered} of {coverage.total} required units covered"
    if coverage.partly_covered:
        units += f", {coverage.partly_covered} partly"
    link = f"weakest link {coverage.weakest}" if coverage.weakest else "no unit matched"
    return f"{basis_text}; {units}; {link}"


@dataclass(frozen=True)
class _Neighbourhood:
    """What unit coverage needs, read once per question (see aqkg.recognition.evidence)."""

    held: ox.NamedNode
    paths: Paths
    units: dict[str, list[UnitRow]]

    @classmethod
    def read(cls, reader: _Reader, held: str, candidates: Iterable[str]) -> _Neighbourhood:
        iris = {held, *candidates}
        reader.read_ahead(_UNITS, "qualification", iris)
        units = {
            iri: [
                UnitRow(_text(r["unit"]), r["code"], r["title"], _term(r["unit"]))
                for r in reader.rows(_UNITS, qualification=iri)
            ]
            for iri in iris
        }
        paths = Paths(reader.rows("recognition-unit-paths", qualification=held))
        return cls(ox.NamedNode(held), paths, units)

    def records(self, candidates: Iterable[str]) -> set[str]:
        """The mapping records on paths between the held qualification and the candidates."""
        held = {u.unit for u in self.units[self.held.value]}
        return self.paths.records({u.unit for c in candidates for u in self.units[c]} | held)

    def forward(self, target: str) -> list[Row]:
        held = self.units[self.held.value]
        return forward_rows(self.held, ox.NamedNode(target), self.paths, held, self.units[target])

    def reverse(self, target: str) -> list[Row]:
        held = self.units[self.held.value]
        return reverse_rows(self.held, ox.NamedNode(target), self.paths, held, self.units[target])


def _term(term: Term | None) -> Term:
    assert term is not None  # a projected variable every row binds
    return term


def _read_ahead(
    reader: _Reader,
    held: Qualification,
    candidates: Sequence[str],
    arrangements: Sequence[Arrangement],
) -> _Neighbourhood:
    """Read in a few queries what building every candidate asks for (one qualification, its
    occupations, its unit coverage, the provenance of each step), instead of a few queries per
    candidate and per step."""
    reader.read_ahead(_QUALIFICATION, "qualification", candidates)
    # Occupations stay one (fast, sub-millisecond) query per candidate: their query has a
    # UNION, which a VALUES block for many candidates makes pyoxigraph plan badly.
    neighbourhood = _Neighbourhood.read(reader, held.iri, candidates)
    alignments = {
        _text(r["alignment"])
        for c in [held.iri, *candidates]
        for r in reader.rows(_QUALIFICATION, qualification=c)
        if r["alignment"] is not None
    }
    records = {held.iri, *candidates, *(a.iri for a in arrangements), *alignments}
    reader.read_ahead(_PROVENANCE, "record", records | neighbourhood.records(candidates))
    return neighbourhood


def _candidate(
    reader: _Reader,
    held: Qualification,
    iri: str,
    shares: list[Shared],
    arrangements: Sequence[Arrangement],
    neighbourhood: _Neighbourhood,
) -> Candidate:
    target = load_qualification(reader, iri)
    basis = choose_basis(held, target, arrangements)
    forward = _coverage(reader, held.iri, target.iri, neighbourhood.forward(iri))
    reverse = _coverage(reader, target.iri, held.iri, neighbourhood.reverse(iri))
    steps = _steps(reader, held, target, basis, (forward, reverse))
    dep = dependence(steps)
    unique_shares = tuple(sorted(set(shares), key=lambda s: (s.kind, s.label, s.iri)))
    return Candidate(
        rank=0,
        qualification=target,
        shares=unique_shares,
        basis=basis,
        coverage=forward,
        reverse_coverage=reverse,
        steps=steps,
        dependence=dep,
        warnings=dependence_warnings(dep),
        why=_why(basis, forward),
    )


def rank_candidates(candidates: Iterable[Candidate]) -> tuple[Candidate, ...]:
    """Order by the ranking rule (RANKING_RULE) and number from 1."""

    def key(c: Candidate) -> tuple[int, int, float, int, float, str]:
        return (
            _illustrative_first(c.dependence),
            -c.basis.strength,
            *_coverage_key(c.coverage),
            c.qualification.reference,
        )

    ordered = sorted(candidates, key=key)
    real = any(not c.dependence.illustrative for c in ordered)
    return tuple(
        dataclasses.replace(c, rank=n, why=f"ranked {n}: {_real_or_not(c.dependence, real)}{c.why}")
        for n, c in enumerate(ordered, 1)
    )


def _illustrative_first(dep: Dependence) -> int:
    return 1 if dep.illustrative else 0


def _coverage_key(coverage: Coverage) -> tuple[float, int, float]:
    link = STRENGTH[coverage.weakest] if coverage.weakest else 0
    return (-coverage.share_covered, -link, -coverage.share_matched)


def _real_or_not(dep: Dependence, real_paths_exist: bool) -> str:
    """Why a path stands where it does when real and illustrative paths compete."""
    if not real_paths_exist:
        return ""
    if dep.illustrative:
        return "rests on illustrative data, so below every path that does not; "
    return "rests on no illustrative record; "


def _arrangement_statement(
    held: Qualification,
    country: str,
    arrangements: Sequence[Arrangement],
    certified: Sequence[Certification] = (),
) -> str:
    statement = _occupation_statement(held, country, arrangements)
    titles = sorted({c.arrangement.title for c in certified})
    if titles:
        statement += (
            f" The {' and the '.join(titles)} applies by certification against its regional "
            "standard (certification paths below)."
        )
    return statement


def _occupation_statement(
    held: Qualification, country: str, arrangements: Sequence[Arrangement]
) -> str:
    pair = f"{held.country} and {country}"
    occupations = {o.iri for o in held.occupations}
    names = ", ".join(o.title for o in held.occupations) or "its occupation"
    covering = [
        a for a in arrangements if a.kind in _ARRANGEMENT_KINDS and occupations & set(a.occupations)
    ]
    if covering:
        listed = "; ".join(f"{_kind_name(a.kind)} {a.title!r}" for a in covering)
        return f"{pair} are both parties to {listed}, which covers {names}."
    if arrangements:
        return (
            f"No corridor or MRA between {pair} covers {names}: only AQRF level comparability "
            f"applies. The two countries are both parties to {len(arrangements)} arrangement(s), "
            "none covering this occupation."
        )
    return f"{pair} share no recognition arrangement at all: only AQRF level comparability applies."


def _recognition_warnings(
    held: Qualification, candidates: Sequence[Candidate], certified: Sequence[Certification] = ()
) -> tuple[str, ...]:
    lines = []
    if held.curation in ("illustrative", "unverified", "unknown"):
        lines.append(f"the held qualification {held.reference} is {held.curation} data")
    for c in candidates:
        lines += [f"{c.qualification.reference}: {w}" for w in c.warnings]
    for cert in certified:
        lines += [f"{cert.standard_title} {cert.job_title_name}: {w}" for w in cert.warnings]
    return tuple(lines)


def _notes(
    held: Qualification,
    country: str,
    candidates: Sequence[Candidate],
    known: int,
    certified: Sequence[Certification] = (),
) -> tuple[str, ...]:
    if candidates:
        return ()
    note = (
        f"No qualification in {country} shares an occupation, ISCO-08 group, unit path or AQRF "
        f"level with {held.reference} (the graph holds {known} qualification(s) for {country})."
    )
    if certified:
        note += " Recognition goes by certification instead (below)."
    return (note,)


def _all_cited(
    reader: _Reader, recognition_steps: Iterable[Step]
) -> tuple[tuple[Source, ...], tuple[Source, ...]]:
    """The sources of every step, and apart the documents illustrative steps were modelled on."""
    sources: dict[str, Source] = {}
    models: dict[str, Source] = {}
    for step in recognition_steps:
        found = reader.provenance(step.iri)
        sources.update((s.iri, s) for s in found.sources)
        models.update((s.iri, s) for s in found.modelled_on)
    return _by_iri(sources), _by_iri(models)


# ---------------------------------------------------------------------------------------------
# Certification against a regional standard (the MRA on Tourism Professionals)
# ---------------------------------------------------------------------------------------------

_CERTIFICATIONS = "recognition-certifications"


def certifications(
    reader: _Reader, held: Qualification, country: str, country_name: str
) -> tuple[Certification, ...]:
    """Every job title of a regional standard the held qualification's units lead to, on an
    arrangement both countries are party to, with unit coverage of the job title's units."""
    rows = reader.rows(
        _CERTIFICATIONS, qualification=held.iri, fromCountry=held.country, toCountry=country
    )
    grouped: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in rows:
        grouped[(_text(r["arrangement"]), _text(r["jobTitle"]))].append(r)
    arrangements = {a.iri: a for a in load_arrangements(reader, held.country, country)}
    built = [
        _certification(reader, held, country_name, arrangements[iri], group)
        for (iri, _), group in sorted(grouped.items())
        if iri in arrangements
    ]
    # a job title reached by a unit the chaining rule then refuses (two non-exact hops) is
    # no path at all
    built = [c for c in built if c.coverage.matches]

    def key(c: Certification) -> tuple[int, float, int, int, float, str]:
        share, link, matched = _coverage_key(c.coverage)
        exact = sum(1 for m in c.coverage.matches if m.relation == "exact")
        return (_illustrative_first(c.dependence), share, link, -exact, matched, c.job_title_name)

    ordered = sorted(built, key=key)
    return tuple(
        dataclasses.replace(c, rank=n, why=f"ranked {n}: {c.why}") for n, c in enumerate(ordered, 1)
    )


def _certification(
    reader: _Reader,
    held: Qualification,
    country_name: str,
    arrangement: Arrangement,
    rows: list[Row],
) -> Certification:
    first = rows[0]
    job = _text(first["jobTitle"])
    bodies = tuple(sorted({_text(r["bodyName"]) for r in rows if r["body"] is not None}))
    coverage = _coverage(reader, held.iri, job)
    steps = [reader.step("qualification", held.iri), reader.step("mra", arrangement.iri)]
    steps.append(reader.step("job-title", job))
    steps += [reader.step("certification-body", _text(r["body"])) for r in rows if r["body"]]
    records = {e.record for m in coverage.matches for h in m.hops for e in h.records}
    steps += [reader.step("mapping", iri) for iri in sorted(records)]
    dep = dependence(steps)
    register = _text(first["registerTitle"]) or "a recognised professional"
    name = _text(first["jobTitleName"]) or _local(job)
    standard = _text(first["standardTitle"]) or _local(_text(first["standard"]))
    return Certification(
        rank=0,
        arrangement=arrangement,
        register_title=register,
        standard=_text(first["standard"]),
        standard_title=standard,
        job_title=job,
        job_title_name=name,
        division=_text(first["divisionName"]),
        certification_bodies=bodies,
        coverage=coverage,
        steps=tuple(dict.fromkeys(steps)),
        dependence=dep,
        warnings=dependence_warnings(dep),
        statement=_certification_statement(
            held, country_name, arrangement, register, standard, name, bodies
        ),
        why=_certification_why(coverage),
    )


def _certification_statement(
    held: Qualification,
    country_name: str,
    arrangement: Arrangement,
    register: str,
    standard: str,
    job_title: str,
    bodies: tuple[str, ...],
) -> str:
    body = (
        " or ".join(bodies)
        if bodies
        else f"the certification board of {held.country_name} (none recorded in the graph)"
    )
    return (
        f"eligible for certification in the {standard} job title {job_title!r} by {body}; "
        f"once certified, recognised in {country_name} as an {register} under the "
        f"{arrangement.title}, subject to {country_name}'s domestic law"
    )


def _certification_why(coverage: Coverage) -> str:
    units = f"{coverage.covered} of {coverage.total} units the job title requires covered"
    if coverage.partly_covered:
        units += f", {coverage.partly_covered} partly"
    link = f"weakest link {coverage.weakest}" if coverage.weakest else "no unit matched"
    return f"{units}; {link}"


def recognise(store: Store, qualification: str, to_country: str) -> Recognition:
    """What `qualification` (an IRI or XX/CODE) may be recognised as in `to_country` (ISO code)."""
    reader = _Reader(store)
    held = load_qualification(reader, resolve_qualification(reader, qualification))
    country, country_name = resolve_country(reader, to_country)
    if country == held.country:
        raise RecognitionError(
            f"{held.reference} is already a {country} qualification: choose another country"
        )
    arrangements = load_arrangements(reader, held.country, country)
    shares = _candidate_shares(reader, held.iri, country)
    built = []
    if shares:
        neighbourhood = _read_ahead(reader, held, sorted(shares), arrangements)
        built = [
            _candidate(reader, held, iri, s, arrangements, neighbourhood)
            for iri, s in sorted(shares.items())
        ]
    candidates = rank_candidates(built)
    certified = certifications(reader, held, country, country_name)
    known = 0 if candidates else len(reader.rows(_QUALS, country=country))
    steps = [reader.step("qualification", held.iri)] + [s for c in candidates for s in c.steps]
    steps += [s for c in certified for s in c.steps]
    sources, modelled_on = _all_cited(reader, steps)
    return Recognition(
        held=held,
        to_country=country,
        to_country_name=country_name,
        arrangements=tuple(arrangements),
        arrangement_statement=_arrangement_statement(held, country, arrangements, certified),
        candidates=candidates,
        ranking_rule=RANKING_RULE,
        warnings=_recognition_warnings(held, candidates, certified),
        notes=_notes(held, country, candidates, known, certified),
        sources=sources,
        modelled_on=modelled_on,
        certifications=certified,
    )


def format_recognition(rec: Recognition, fmt: Literal["table", "json", "markdown"]) -> str:
    """The recognition as a terminal table, JSON (stable, complete) or Markdown."""
    return render(rec, fmt)
