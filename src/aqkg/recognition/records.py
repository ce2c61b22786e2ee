"""Loading what a recognition is about: qualifications with their levels and occupations,
and the arrangements (MRS corridors, MRAs) between two countries.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from aqkg.recognition.evidence import Row
from aqkg.recognition.model import (
    AqrfPairing,
    Arrangement,
    LevelPlacement,
    Occupation,
    Qualification,
    RecognitionError,
)
from aqkg.recognition.reader import (
    OCCUPATIONS_QUERY,
    QUALIFICATION_QUERY,
    Reader,
    curation_of,
    int_of,
    local_name,
    text_of,
)
from aqkg.recognition.resolve import reference_of


def load_qualification(reader: Reader, iri: str) -> Qualification:
    rows = reader.rows(QUALIFICATION_QUERY, qualification=iri)
    if not rows:
        raise RecognitionError(f"no qualification {iri} in the store (is it built?)")
    first = rows[0]
    return Qualification(
        iri=iri,
        reference=reference_of(iri),
        title=text_of(first["title"]),
        country=text_of(first["countryCode"]),
        country_name=text_of(first["countryName"]),
        curation=curation_of(first["curation"]),
        level=_level(rows),
        occupations=_occupations(reader.rows(OCCUPATIONS_QUERY, qualification=iri)),
    )


def _level(rows: list[Row]) -> LevelPlacement:
    first = rows[0]
    pairings = tuple(
        AqrfPairing(
            aqrf_level=text_of(r["aqrfLevel"]),
            aqrf_rank=int_of(r["aqrfRank"]),
            match=local_name(text_of(r["alignmentMatch"])),
            alignment=text_of(r["alignment"]),
            curation=curation_of(r["alignmentCuration"]),
        )
        for r in rows
        if r["alignment"] is not None
    )
    status = text_of(first["referencingStatusTitle"]) or local_name(
        text_of(first["referencingStatus"])
    )
    placement = LevelPlacement(
        level=text_of(first["level"]),
        title=text_of(first["levelTitle"]) or local_name(text_of(first["level"])),
        rank=int_of(first["levelRank"]),
        framework=text_of(first["framework"]),
        framework_title=text_of(first["frameworkTitle"]),
        referencing=text_of(first["referencing"]),
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
        iri = text_of(r["occupation"])
        titles[iri] = text_of(r["occupationTitle"]) or local_name(iri)
        via[iri].add(text_of(r["via"]))
        if r["iscoGroup"] is not None:
            isco[iri].add(text_of(r["iscoCode"]) or local_name(text_of(r["iscoGroup"])))
    return tuple(
        Occupation(iri, titles[iri], tuple(sorted(via[iri])), tuple(sorted(isco[iri])))
        for iri in sorted(titles)
    )


def load_arrangements(reader: Reader, from_country: str, to_country: str) -> list[Arrangement]:
    rows = reader.rows("recognition-arrangements", fromCountry=from_country, toCountry=to_country)
    grouped: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        grouped[text_of(r["arrangement"])].append(r)
    return [_arrangement(iri, group) for iri, group in sorted(grouped.items())]


def _arrangement(iri: str, rows: list[Row]) -> Arrangement:
    covered = sorted(
        {(text_of(r["occupation"]), text_of(r["occupationTitle"])) for r in rows} - {("", "")}
    )
    return Arrangement(
        iri=iri,
        kind=text_of(rows[0]["kind"]),
        title=text_of(rows[0]["title"]),
        curation=curation_of(rows[0]["curation"]),
        occupations=tuple(o for o, _ in covered),
        occupation_titles=tuple(t or local_name(o) for o, t in covered),
    )
