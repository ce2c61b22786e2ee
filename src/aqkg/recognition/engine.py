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
from typing import Literal

from aqkg.recognition.candidates import (
    all_cited,
    arrangement_statement,
    build_candidate,
    candidate_shares,
    choose_basis,
    dependence,
    dependence_warnings,
    read_neighbourhood,
    recognition_notes,
    recognition_warnings,
)
from aqkg.recognition.certification import certifications
from aqkg.recognition.chaining import FULL_COVER, STRENGTH, chain, covers, read_relation, weakest
from aqkg.recognition.coverage import unit_coverage
from aqkg.recognition.formatting import render, render_everywhere
from aqkg.recognition.model import (
    AqrfPairing,
    Arrangement,
    Authority,
    Basis,
    BasisKind,
    Candidate,
    Certification,
    Coverage,
    Dependence,
    Destination,
    Everywhere,
    Hop,
    LevelPlacement,
    MappingEvidence,
    MissingUnit,
    Occupation,
    Qualification,
    Recognition,
    RecognitionError,
    Relation,
    Shared,
    Source,
    Step,
    Summary,
    Unit,
    UnitMatch,
    Verdict,
)
from aqkg.recognition.ranking import RANKING_RULE, rank_candidates
from aqkg.recognition.reader import (
    AQKG,
    ID_BASE,
    QUALIFICATION_BASE,
    QUALIFICATIONS_QUERY,
    Reader,
    text_of,
)
from aqkg.recognition.records import level_statement, load_arrangements, load_qualification
from aqkg.recognition.resolve import resolve_country, resolve_qualification
from aqkg.recognition.summary import rank_key, summarise
from aqkg.store.backend import Store

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
    "Authority",
    "Basis",
    "BasisKind",
    "Candidate",
    "Certification",
    "Coverage",
    "Dependence",
    "Destination",
    "Everywhere",
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
    "Summary",
    "Unit",
    "UnitMatch",
    "Verdict",
    "chain",
    "choose_basis",
    "covers",
    "dependence",
    "dependence_warnings",
    "format_everywhere",
    "format_recognition",
    "level_statement",
    "load_arrangements",
    "load_qualification",
    "rank_candidates",
    "read_relation",
    "recognise",
    "recognise_everywhere",
    "resolve_country",
    "resolve_qualification",
    "unit_coverage",
    "weakest",
]


def recognise(store: Store, qualification: str, to_country: str) -> Recognition:
    """What `qualification` (an IRI or XX/CODE) may be recognised as in `to_country` (ISO code)."""
    return _recognise(Reader(store), qualification, to_country)


def _recognise(reader: Reader, qualification: str, to_country: str) -> Recognition:
    held = load_qualification(reader, resolve_qualification(reader, qualification))
    country, country_name = resolve_country(reader, to_country)
    if country == held.country:
        raise RecognitionError(
            f"{held.reference} is already a {country} qualification: choose another country"
        )
    arrangements = load_arrangements(reader, held.country, country)
    shares = candidate_shares(reader, held.iri, country)
    built = []
    if shares:
        neighbourhood = read_neighbourhood(reader, held, sorted(shares), arrangements)
        built = [
            build_candidate(reader, held, iri, s, arrangements, neighbourhood)
            for iri, s in sorted(shares.items())
        ]
    candidates = rank_candidates(built)
    certified = certifications(reader, held, country, country_name)
    known = 0 if candidates else len(reader.rows(QUALIFICATIONS_QUERY, country=country))
    steps = [reader.step("qualification", held.iri)] + [s for c in candidates for s in c.steps]
    steps += [s for c in certified for s in c.steps]
    sources, modelled_on = all_cited(reader, steps)
    answer = Recognition(
        held=held,
        to_country=country,
        to_country_name=country_name,
        arrangements=tuple(arrangements),
        arrangement_statement=arrangement_statement(held, country, arrangements, certified),
        candidates=candidates,
        ranking_rule=RANKING_RULE,
        warnings=recognition_warnings(held, candidates, certified),
        notes=recognition_notes(held, country, candidates, known, certified),
        sources=sources,
        modelled_on=modelled_on,
        certifications=certified,
    )
    return dataclasses.replace(answer, summary=summarise(reader, answer))


EVERYWHERE_RULE = (
    "each destination by its best answer: real before illustrative, then the basis (an "
    "arrangement, or certification under one > a shared AQRF level > none), then the share of "
    "units covered; destinations with no answer last, by code"
)


def recognise_everywhere(store: Store, qualification: str) -> Everywhere:
    """`recognise` for every other member state, one plain verdict each, best first."""
    reader = Reader(store)
    held = load_qualification(reader, resolve_qualification(reader, qualification))
    codes = sorted(text_of(r["code"]) for r in reader.rows("recognition-member-states"))
    found = []
    for code in codes:
        if code == held.country:
            continue
        rec = _recognise(reader, held.iri, code)  # one reader: records read once
        assert rec.summary is not None
        best = rec.summary.verdicts[0] if rec.summary.verdicts else None
        key = (0, *rank_key(best)) if best else (1, 0, 0, 0.0)
        destination = Destination(
            country=rec.to_country,
            country_name=rec.to_country_name,
            headline=rec.summary.headline,
            candidates=len(rec.candidates),
            certifications=len(rec.certifications),
            summary=rec.summary,
        )
        found.append((key, code, destination))
    found.sort(key=lambda item: (item[0], item[1]))
    return Everywhere(held, EVERYWHERE_RULE, tuple(d for _, _, d in found))


def format_recognition(rec: Recognition, fmt: Literal["table", "json", "markdown"]) -> str:
    """The recognition as a terminal table, JSON (stable, complete) or Markdown."""
    return render(rec, fmt)


def format_everywhere(answer: Everywhere, fmt: Literal["table", "json", "markdown"]) -> str:
    """Every destination, one plain verdict each: a terminal table, JSON or Markdown."""
    return render_everywhere(answer, fmt)
