"""Certification against a regional standard: the job titles of a standard (the ACCSTP under
the MRA on Tourism Professionals) that the held qualification's units reach.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from aqkg.recognition.candidates import dependence, dependence_warnings
from aqkg.recognition.coverage import coverage_between
from aqkg.recognition.evidence import Row
from aqkg.recognition.model import (
    Arrangement,
    Certification,
    Coverage,
    Qualification,
)
from aqkg.recognition.ranking import coverage_key, illustrative_first
from aqkg.recognition.reader import Reader, local_name, text_of
from aqkg.recognition.records import load_arrangements

_CERTIFICATIONS = "recognition-certifications"


def certifications(
    reader: Reader, held: Qualification, country: str, country_name: str
) -> tuple[Certification, ...]:
    """Every job title of a regional standard the held qualification's units lead to, on an
    arrangement both countries are party to, with unit coverage of the job title's units."""
    rows = reader.rows(
        _CERTIFICATIONS, qualification=held.iri, fromCountry=held.country, toCountry=country
    )
    grouped: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in rows:
        grouped[(text_of(r["arrangement"]), text_of(r["jobTitle"]))].append(r)
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
        share, link, matched = coverage_key(c.coverage)
        exact = sum(1 for m in c.coverage.matches if m.relation == "exact")
        return (illustrative_first(c.dependence), share, link, -exact, matched, c.job_title_name)

    ordered = sorted(built, key=key)
    return tuple(
        dataclasses.replace(c, rank=n, why=f"ranked {n}: {c.why}") for n, c in enumerate(ordered, 1)
    )


def _certification(
    reader: Reader,
    held: Qualification,
    country_name: str,
    arrangement: Arrangement,
    rows: list[Row],
) -> Certification:
    first = rows[0]
    job = text_of(first["jobTitle"])
    bodies = tuple(sorted({text_of(r["bodyName"]) for r in rows if r["body"] is not None}))
    coverage = coverage_between(reader, held.iri, job)
    steps = [reader.step("qualification", held.iri), reader.step("mra", arrangement.iri)]
    steps.append(reader.step("job-title", job))
    steps += [reader.step("certification-body", text_of(r["body"])) for r in rows if r["body"]]
    records = {e.record for m in coverage.matches for h in m.hops for e in h.records}
    steps += [reader.step("mapping", iri) for iri in sorted(records)]
    dep = dependence(steps)
    register = text_of(first["registerTitle"]) or "a recognised professional"
    name = text_of(first["jobTitleName"]) or local_name(job)
    standard = text_of(first["standardTitle"]) or local_name(text_of(first["standard"]))
    return Certification(
        rank=0,
        arrangement=arrangement,
        register_title=register,
        standard=text_of(first["standard"]),
        standard_title=standard,
        job_title=job,
        job_title_name=name,
        division=text_of(first["divisionName"]),
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
