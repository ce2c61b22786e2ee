"""The recognition engine's answer, as frozen dataclasses (what `aqkg.recognition.engine` returns).

Plain data only: the engine (`aqkg.recognition.engine`) fills them and `aqkg.recognition.formatting`
renders them; see `aqkg.recognition.engine` for what each relation, basis and coverage means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Relation = Literal["exact", "close", "broader", "narrower"]
CERTIFICATION_RULE = (
    "real before illustrative, then the share of the job title's units covered, then the "
    "weakest link, then the number of units matched exactly, then the share matched at all"
)
BasisKind = Literal["corridor", "mra", "aqrf-level-only"]


@dataclass(frozen=True)
class Source:
    iri: str
    title: str
    publisher: str
    year: str
    url: str


@dataclass(frozen=True)
class Step:
    """One record a result rests on, with its curation status and sources (IRIs).

    An illustrative record cites no source: `modelled_on` names the documents it imitates,
    which are never shown as its sources."""

    kind: str  # qualification, corridor, mra, mapping, level-alignment
    iri: str
    label: str
    curation: str  # verified, unverified, illustrative, unknown
    sources: tuple[str, ...]
    modelled_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unit:
    iri: str
    code: str
    title: str = ""


@dataclass(frozen=True)
class MappingEvidence:
    """One mapping record on a hop, as recorded and as read from the holder's side."""

    record: str
    predicate: str  # as recorded: exactMatch, closeMatch, broadMatch, narrowMatch, noMatch
    read: Literal["forward", "backward"]
    curation: str
    sources: tuple[str, ...]
    modelled_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hop:
    from_unit: str
    to_unit: str
    relation: Relation
    records: tuple[MappingEvidence, ...]


@dataclass(frozen=True)
class UnitMatch:
    """A required unit matched by a unit of the other qualification, directly or via the RMCS."""

    unit: Unit
    matched_by: Unit
    via: Unit | None
    hops: tuple[Hop, ...]
    relation: Relation
    covers: Literal["full", "partial"]


@dataclass(frozen=True)
class MissingUnit:
    unit: Unit
    reasons: tuple[str, ...]
    no_match_records: tuple[str, ...]


@dataclass(frozen=True)
class Coverage:
    """How far the units of `of_qualification` are matched by those of `by_qualification`."""

    of_qualification: str
    by_qualification: str
    total: int
    covered: int
    partly_covered: int
    share_covered: float
    share_matched: float
    weakest: Relation | None
    matches: tuple[UnitMatch, ...]
    missing: tuple[MissingUnit, ...]
    other_paths: tuple[UnitMatch, ...]


@dataclass(frozen=True)
class AqrfPairing:
    aqrf_level: str
    aqrf_rank: int | None
    match: str
    alignment: str
    curation: str


@dataclass(frozen=True)
class LevelPlacement:
    level: str
    title: str
    rank: int | None
    framework: str
    framework_title: str
    referencing: str
    referencing_status: str
    aqrf: tuple[AqrfPairing, ...]
    statement: str

    def comparable_aqrf_ranks(self) -> frozenset[int]:
        return frozenset(
            p.aqrf_rank
            for p in self.aqrf
            if p.aqrf_rank is not None and p.match in ("ExactMatch", "CloseMatch")
        )


@dataclass(frozen=True)
class Occupation:
    iri: str
    title: str
    via: tuple[str, ...]  # qualification, standard
    isco_groups: tuple[str, ...]


@dataclass(frozen=True)
class Qualification:
    iri: str
    reference: str
    title: str
    country: str
    country_name: str
    curation: str
    level: LevelPlacement
    occupations: tuple[Occupation, ...]


@dataclass(frozen=True)
class Arrangement:
    iri: str
    kind: str  # corridor, mra, mrs
    title: str
    curation: str
    occupations: tuple[str, ...]
    occupation_titles: tuple[str, ...]


@dataclass(frozen=True)
class Shared:
    kind: str  # occupation, ISCO-08 group, unit path, AQRF level
    iri: str
    label: str


@dataclass(frozen=True)
class Basis:
    kind: BasisKind
    strength: int  # 2 corridor or MRA, 1 shared AQRF level, 0 AQRF comparability not shown
    arrangements: tuple[Arrangement, ...]
    occupations: tuple[str, ...]
    statement: str


@dataclass(frozen=True)
class Dependence:
    steps: int
    illustrative: int
    unverified: int
    unknown: int


@dataclass(frozen=True)
class Candidate:
    rank: int
    qualification: Qualification
    shares: tuple[Shared, ...]
    basis: Basis
    coverage: Coverage
    reverse_coverage: Coverage
    steps: tuple[Step, ...]
    dependence: Dependence
    warnings: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Certification:
    """A path on an arrangement that certifies workers against a regional standard (the MRA on
    Tourism Professionals and the ACCSTP): the held qualification's units lead to a job title
    of the standard; certified in it by a body of the holder's country, the worker is
    recognised in the destination under the arrangement, subject to its domestic law."""

    rank: int
    arrangement: Arrangement
    register_title: str  # e.g. "ASEAN Tourism Professional"
    standard: str
    standard_title: str
    job_title: str  # the job title's IRI (an aqkg:Occupation)
    job_title_name: str
    division: str
    certification_bodies: tuple[str, ...]  # names; empty when none is recorded for the country
    coverage: Coverage  # of the units the job title requires, by the held qualification's units
    steps: tuple[Step, ...]
    dependence: Dependence
    warnings: tuple[str, ...]
    statement: str
    why: str


@dataclass(frozen=True)
class Authority:
    """A body of the destination the data links to this recognition (never guessed)."""

    iri: str
    name: str
    role: str  # certification body, implementing body, awarding body
    about: str  # the arrangement or qualification that names it
    website: str  # "" when the data has none
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    """One candidate or certification path, in one plain sentence."""

    kind: Literal["qualification", "certification"]
    target: str  # the candidate's reference (XX/CODE) or the job title's IRI
    sentence: str
    basis: str  # the basis in words
    still_to_show: tuple[str, ...]  # "title (code)" of each unit not covered
    partly_covered: tuple[str, ...]
    illustrative: bool  # rests on at least one illustrative record
    unverified: bool  # rests on at least one unverified record
    strength: int  # 2 an arrangement (or certification under one), 1 a shared AQRF level, 0 none
    share_covered: float  # of the target's (or the job title's) units


@dataclass(frozen=True)
class Summary:
    """The answer for a worker or an employer: verdicts first, then what to do and whom to ask.

    `authority_statement` names the destination's bodies the data links to the answer, or says
    that the competent authority is not known; `disclaimer` says that this is no decision."""

    headline: str
    verdicts: tuple[Verdict, ...]
    next_steps: tuple[str, ...]
    authorities: tuple[Authority, ...]
    authority_statement: str
    disclaimer: str


@dataclass(frozen=True)
class Recognition:
    held: Qualification
    to_country: str
    to_country_name: str
    arrangements: tuple[Arrangement, ...]
    arrangement_statement: str
    candidates: tuple[Candidate, ...]
    ranking_rule: str
    warnings: tuple[str, ...]
    notes: tuple[str, ...]
    sources: tuple[Source, ...] = field(default_factory=tuple)
    # documents illustrative steps were modelled on: listed apart, never as evidence
    modelled_on: tuple[Source, ...] = field(default_factory=tuple)
    # certification paths on arrangements with a regional standard (the MRA-TP)
    certifications: tuple[Certification, ...] = field(default_factory=tuple)
    # the plain answer (aqkg.recognition.summary); None only while the engine builds it
    summary: Summary | None = None


class RecognitionError(Exception):
    """The question cannot be answered as asked; the one-line message says why."""


@dataclass(frozen=True)
class Destination:
    """One member state in an answer for every destination: its plain verdict, and how many
    candidates and certification paths the full answer (`aqkg recognise --to XX`) holds."""

    country: str
    country_name: str
    headline: str
    candidates: int
    certifications: int
    summary: Summary


@dataclass(frozen=True)
class Everywhere:
    """What a qualification may count as in every other member state, best first."""

    held: Qualification
    ranking_rule: str
    destinations: tuple[Destination, ...]
