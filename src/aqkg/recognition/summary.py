"""The plain answer: one sentence per candidate and certification path, what to do next, whom
to ask in the destination, and that this is not an official decision.

Whom to ask is read, never guessed: the bodies of the destination that the answer's
arrangements name (certification and implementing bodies), then the awarding body of a real
target qualification. A competent authority the data does not link to the occupation is not
offered as the one to ask; the statement then says the authority is not known.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aqkg.recognition.evidence import Row
from aqkg.recognition.model import (
    Authority,
    Candidate,
    Certification,
    Coverage,
    MissingUnit,
    Recognition,
    Summary,
    UnitMatch,
    Verdict,
)
from aqkg.recognition.reader import ID_BASE, Reader, text_of

AUTHORITIES_QUERY = "recognition-authorities"
UNITS_NAMED = 5  # units named in a verdict; the rest are counted
VERDICTS_SHOWN = 5
# share of a job title's units the held qualification must cover for its certification path to
# get a verdict: a mason's qualification reaching one unit of a bell boy's is no answer to give
# (the details still list every path)
CERTIFICATION_LEADS_FROM = 0.5
DISCLAIMER = (
    "This is not an official recognition decision: only the competent authority of {country} "
    "can decide, and the data behind this answer may be incomplete."
)
# Roles that make a body the one to ask, in order of preference.
ASKED_ROLES = ("certification body", "implementing body", "awarding body")


def summarise(reader: Reader, rec: Recognition) -> Summary:
    verdicts = sorted(
        [*(_candidate_verdict(rec, c) for c in rec.candidates)]
        + [
            _certification_verdict(rec, c)
            for c in rec.certifications
            if c.coverage.share_covered >= CERTIFICATION_LEADS_FROM
        ],
        key=lambda ranked: ranked[0],  # stable: within a key, the engine's own ranks
    )
    shown = tuple(v for _, v in verdicts[:VERDICTS_SHOWN])
    rows = reader.rows(AUTHORITIES_QUERY, country=f"{ID_BASE}country/{rec.to_country}")
    authorities = _authorities(reader, rec, rows)
    return Summary(
        headline=_headline(rec, shown),
        verdicts=shown,
        next_steps=_next_steps(rec, shown, authorities),
        authorities=authorities,
        authority_statement=_authority_statement(rec, authorities, _on_record(rows)),
        disclaimer=DISCLAIMER.format(country=rec.to_country_name),
    )


# -- verdicts ---------------------------------------------------------------------------------


def unit_name(code: str, title: str) -> str:
    return f"{title} ({code})" if title else code


def _missing_names(missing: Sequence[MissingUnit]) -> tuple[str, ...]:
    return tuple(unit_name(m.unit.code, m.unit.title) for m in missing)


def _partly_names(matches: Sequence[UnitMatch]) -> tuple[str, ...]:
    return tuple(unit_name(m.unit.code, m.unit.title) for m in matches if m.covers == "partial")


def _named(names: Sequence[str]) -> str:
    shown = ", ".join(names[:UNITS_NAMED])
    return shown + (f" and {len(names) - UNITS_NAMED} more" if len(names) > UNITS_NAMED else "")


def _still_to_show(coverage: Coverage) -> str:
    """'; 2 of 6 units still to show: A, B' or ': all 6 units are covered'."""
    missing = _missing_names(coverage.missing)
    partly = _partly_names(coverage.matches)
    if coverage.total == 0:
        return "; no units are recorded to compare"
    if not missing and not partly:
        return f"; all {coverage.total} units are covered"
    text = ""
    if missing:
        text += f"; {len(missing)} of {coverage.total} units still to show: {_named(missing)}"
    if partly:
        text += f"; {len(partly)} only partly covered: {_named(partly)}"
    return text


def _status_prefix(illustrative: bool, unverified: bool) -> str:
    if illustrative:
        return "On illustrative data only, not a real path: "
    if unverified:
        return "Not yet confirmed (rests on unverified records): "
    return ""


def _candidate_verdict(rec: Recognition, c: Candidate) -> tuple[tuple[int, int, float], Verdict]:
    target = f"{c.qualification.title} ({c.qualification.reference})"
    country = rec.to_country_name
    if c.basis.kind in ("corridor", "mra"):
        names = " and ".join(a.title for a in c.basis.arrangements)
        opening = f"Likely recognised in {country} as {target} through the {names}"
    elif c.basis.strength == 1:
        opening = (
            f"Possibly comparable to {target} in {country}: both sit at the same AQRF level, "
            f"but no recognition arrangement between {rec.held.country_name} and {country} "
            "covers this occupation"
        )
    else:
        opening = (
            f"No recognition basis found for {target} in {country}: no arrangement covers the "
            "occupation, and the AQRF levels of the two cannot be compared"
        )
    illustrative, unverified = c.dependence.illustrative > 0, c.dependence.unverified > 0
    sentence = _status_prefix(illustrative, unverified) + opening + _still_to_show(c.coverage)
    verdict = Verdict(
        kind="qualification",
        target=c.qualification.reference,
        sentence=sentence + ".",
        basis=c.basis.statement,
        still_to_show=_missing_names(c.coverage.missing),
        partly_covered=_partly_names(c.coverage.matches),
        illustrative=illustrative,
        unverified=unverified,
        strength=c.basis.strength,
        share_covered=c.coverage.share_covered,
    )
    return rank_key(verdict), verdict


def _certification_verdict(
    rec: Recognition, c: Certification
) -> tuple[tuple[int, int, float], Verdict]:
    bodies = " or ".join(c.certification_bodies) or (
        f"the certification body of {rec.held.country_name} (none is recorded)"
    )
    complete = c.coverage.total > 0 and not c.coverage.missing
    opening = (
        f"{'Eligible to seek' if complete else 'Could seek, once the missing units are shown,'} "
        f"certification as {c.job_title_name} ({c.standard_title}) from {bodies} under the "
        f"{c.arrangement.title}; once certified, recognised as {c.register_title} in "
        f"{rec.to_country_name}, subject to its domestic law"
    )
    illustrative, unverified = c.dependence.illustrative > 0, c.dependence.unverified > 0
    sentence = _status_prefix(illustrative, unverified) + opening + _still_to_show(c.coverage)
    verdict = Verdict(
        kind="certification",
        target=c.job_title,
        sentence=sentence + ".",
        basis=c.statement,
        still_to_show=_missing_names(c.coverage.missing),
        partly_covered=_partly_names(c.coverage.matches),
        illustrative=illustrative,
        unverified=unverified,
        strength=2,
        share_covered=c.coverage.share_covered,
    )
    return rank_key(verdict), verdict


def rank_key(verdict: Verdict) -> tuple[int, int, float]:
    """Real before illustrative, then the basis, then the share of units covered (the engine's
    ranking rule, across candidates, certification paths and destinations)."""
    return (int(verdict.illustrative), -verdict.strength, -verdict.share_covered)


def _headline(rec: Recognition, verdicts: Sequence[Verdict]) -> str:
    if verdicts:
        return verdicts[0].sentence
    reason = rec.notes[0] if rec.notes else "no qualification there shares anything with it"
    return (
        f"No comparable qualification was found in {rec.to_country_name} for "
        f"{rec.held.title} ({rec.held.reference}): {reason.rstrip('.')}."
    )


# -- whom to ask ------------------------------------------------------------------------------


def _authorities(reader: Reader, rec: Recognition, rows: list[Row]) -> tuple[Authority, ...]:
    """The destination's bodies named by the answer's arrangements, then the awarding bodies of
    its real target qualifications; each once, in that order."""
    wanted: dict[str, set[str]] = {
        "certification body": {c.arrangement.iri for c in rec.certifications},
        "implementing body": {c.arrangement.iri for c in rec.certifications}
        | {a.iri for c in rec.candidates for a in c.basis.arrangements},
        "awarding body": {
            c.qualification.iri
            for c in rec.candidates
            if c.qualification.curation != "illustrative"
        },
    }
    found: dict[str, Authority] = {}
    for role in ASKED_ROLES:
        for row in rows:
            iri, about = text_of(row["organisation"]), text_of(row["about"])
            if text_of(row["role"]) != role or about not in wanted[role] or iri in found:
                continue
            short = text_of(row["shortName"])
            name = text_of(row["name"]) or short or iri
            found[iri] = Authority(
                iri=iri,
                name=f"{name} ({short})" if short and short != name else name,
                role=role,
                about=about,
                website=text_of(row["url"]),
                sources=reader.step("organisation", iri).sources,
            )
    return tuple(found.values())


def _on_record(rows: list[Row]) -> list[str]:
    names: dict[str, str] = {}
    for row in rows:
        if text_of(row["role"]) == "competent authority":
            names.setdefault(text_of(row["organisation"]), text_of(row["name"]))
    return sorted(names.values())


def _authority_statement(
    rec: Recognition, authorities: Iterable[Authority], on_record: Sequence[str]
) -> str:
    listed = [
        f"{a.name}, {a.role} ({'website: ' + a.website if a.website else 'website not known'})"
        for a in authorities
    ]
    if listed:
        return f"In {rec.to_country_name}: " + "; ".join(listed) + "."
    statement = (
        f"The competent authority in {rec.to_country_name} for this occupation is not known: "
        "the data links no body of the destination to this answer."
    )
    if on_record:
        statement += (
            f" Bodies on record for {rec.to_country_name}'s qualifications, not linked to this "
            f"occupation: {'; '.join(on_record)}."
        )
    return statement


def _next_steps(
    rec: Recognition, verdicts: Sequence[Verdict], authorities: Sequence[Authority]
) -> tuple[str, ...]:
    ask = (
        authorities[0].name if authorities else f"the competent authority of {rec.to_country_name}"
    )
    top = verdicts[0] if verdicts else None
    if top is None:
        first = f"Ask {ask} whether and how a {rec.held.country_name} qualification is assessed."
    elif top.kind == "certification":
        path = next(c for c in rec.certifications if c.job_title == top.target)
        bodies = " or ".join(path.certification_bodies) or (
            f"the certification body of {rec.held.country_name}"
        )
        first = (
            f"Apply to {bodies} for assessment as {path.job_title_name} under the "
            f"{path.arrangement.title}, with evidence for any unit still to show."
        )
    elif top.strength == 2:
        first = (
            f"Ask {ask} how to have {rec.held.reference} assessed under the arrangement; bring "
            "your certificate and evidence for the units still to show."
        )
    else:
        first = (
            f"Ask {ask} whether {rec.held.reference} can be assessed: no arrangement makes its "
            "recognition automatic."
        )
    steps = [first]
    if any(v.illustrative for v in verdicts):
        steps.append(
            "Do not rely on a path marked illustrative: it rests on records made up to show how "
            "the engine works, not on published mappings."
        )
    elif any(v.unverified for v in verdicts):
        steps.append(
            "Treat a path marked not yet confirmed with care: it rests on curators' readings "
            "(of unit titles, say) that no source has confirmed yet."
        )
    steps.append("Check the sources listed below before acting on this answer.")
    return tuple(steps)
