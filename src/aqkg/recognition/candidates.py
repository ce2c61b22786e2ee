"""Candidate search: the destination's qualifications that share an occupation, an ISCO-08
group, a unit path or an AQRF level with the held one, each with its basis, steps and notes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from aqkg.recognition.coverage import coverage_between
from aqkg.recognition.evidence import Paths, Row, UnitRow, forward_rows, reverse_rows
from aqkg.recognition.model import (
    Arrangement,
    Basis,
    BasisKind,
    Candidate,
    Certification,
    Coverage,
    Dependence,
    Qualification,
    Shared,
    Source,
    Step,
)
from aqkg.recognition.reader import (
    ARRANGEMENT_KINDS,
    PROVENANCE_QUERY,
    QUALIFICATION_QUERY,
    UNITS_QUERY,
    Reader,
    by_iri,
    local_name,
    text_of,
)
from aqkg.recognition.records import load_qualification
from aqkg.store.embedded import Term


def candidate_shares(reader: Reader, held: str, country: str) -> dict[str, list[Shared]]:
    shares: dict[str, list[Shared]] = defaultdict(list)
    for r in reader.rows("recognition-candidates", qualification=held, country=country):
        via = text_of(r["via"])
        shares[text_of(r["candidate"])].append(
            Shared(text_of(r["shares"]), via, text_of(r["viaTitle"]) or local_name(via))
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
        if a.kind in ARRANGEMENT_KINDS and shared.intersection(a.occupations)
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
    reader: Reader,
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
class Neighbourhood:
    """What unit coverage needs, read once per question (see aqkg.recognition.evidence)."""

    held: ox.NamedNode
    paths: Paths
    units: dict[str, list[UnitRow]]

    @classmethod
    def read(cls, reader: Reader, held: str, candidates: Iterable[str]) -> Neighbourhood:
        iris = {held, *candidates}
        reader.read_ahead(UNITS_QUERY, "qualification", iris)
        units = {
            iri: [
                UnitRow(text_of(r["unit"]), r["code"], r["title"], _term(r["unit"]))
                for r in reader.rows(UNITS_QUERY, qualification=iri)
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


def read_neighbourhood(
    reader: Reader,
    held: Qualification,
    candidates: Sequence[str],
    arrangements: Sequence[Arrangement],
) -> Neighbourhood:
    """Read in a few queries what building every candidate asks for (one qualification, its
    occupations, its unit coverage, the provenance of each step), instead of a few queries per
    candidate and per step."""
    reader.read_ahead(QUALIFICATION_QUERY, "qualification", candidates)
    # Occupations stay one (fast, sub-millisecond) query per candidate: their query has a
    # UNION, which a VALUES block for many candidates makes pyoxigraph plan badly.
    neighbourhood = Neighbourhood.read(reader, held.iri, candidates)
    alignments = {
        text_of(r["alignment"])
        for c in [held.iri, *candidates]
        for r in reader.rows(QUALIFICATION_QUERY, qualification=c)
        if r["alignment"] is not None
    }
    records = {held.iri, *candidates, *(a.iri for a in arrangements), *alignments}
    reader.read_ahead(PROVENANCE_QUERY, "record", records | neighbourhood.records(candidates))
    return neighbourhood


def build_candidate(
    reader: Reader,
    held: Qualification,
    iri: str,
    shares: list[Shared],
    arrangements: Sequence[Arrangement],
    neighbourhood: Neighbourhood,
) -> Candidate:
    target = load_qualification(reader, iri)
    basis = choose_basis(held, target, arrangements)
    forward = coverage_between(reader, held.iri, target.iri, neighbourhood.forward(iri))
    reverse = coverage_between(reader, target.iri, held.iri, neighbourhood.reverse(iri))
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


def arrangement_statement(
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
        a for a in arrangements if a.kind in ARRANGEMENT_KINDS and occupations & set(a.occupations)
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


def recognition_warnings(
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


def recognition_notes(
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


def all_cited(
    reader: Reader, recognition_steps: Iterable[Step]
) -> tuple[tuple[Source, ...], tuple[Source, ...]]:
    """The sources of every step, and apart the documents illustrative steps were modelled on."""
    sources: dict[str, Source] = {}
    models: dict[str, Source] = {}
    for step in recognition_steps:
        found = reader.provenance(step.iri)
        sources.update((s.iri, s) for s in found.sources)
        models.update((s.iri, s) for s in found.modelled_on)
    return by_iri(sources), by_iri(models)
