"""Resolving the question: the held qualification and the destination country as given,
with a near-miss suggestion when either is unknown.
"""

from __future__ import annotations

import difflib

from aqkg.recognition.model import RecognitionError
from aqkg.recognition.reader import QUALIFICATION_BASE, QUALIFICATIONS_QUERY, Reader, text_of
from aqkg.sparql.catalogue import QueryParamError


def reference_of(iri: str) -> str:
    return iri[len(QUALIFICATION_BASE) :] if iri.startswith(QUALIFICATION_BASE) else iri


def resolve_qualification(reader: Reader, given: str) -> str:
    """The IRI of a qualification given as an IRI or as XX/CODE; near matches when unknown."""
    text = given.strip().strip("<>")
    # Looked up directly first: the list of every qualification costs a scan of them all.
    iri = text if text.startswith(("http://", "https://")) else QUALIFICATION_BASE + text
    try:
        if reader.rows(QUALIFICATIONS_QUERY, qualification=iri):
            return iri
    except QueryParamError:
        pass  # not an IRI at all: the near matches below say what was meant
    known = {
        text_of(r["reference"]): text_of(r["qualification"])
        for r in reader.rows(QUALIFICATIONS_QUERY)
    }
    wanted = reference_of(text) if text.startswith(("http://", "https://")) else text
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


def resolve_country(reader: Reader, given: str) -> tuple[str, str]:
    """(ISO alpha-2 code, English name) of a member state given by code or by name."""
    rows = reader.rows("recognition-member-states")
    names = {text_of(r["code"]): text_of(r["name"]) for r in rows}
    text = given.strip()
    for code, name in names.items():
        if text.upper() == code or text.lower() == name.lower():
            return code, name
    choices = [*names, *names.values()]
    codes = ", ".join(f"{c} ({n})" for c, n in names.items())
    raise RecognitionError(
        f"unknown country {given!r}: {_near(text, choices)}; member states: {codes}"
    )
