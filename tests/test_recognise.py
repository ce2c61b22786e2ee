"""The recognition engine, on the real project data and on small FICTIONAL graphs.

Figures for the corridors are computed by hand from data/regional/unit-mappings.ttl and the
qualifications' aqkg:requiresUnit lists (see each test's comment).
"""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from aqkg.build.pipeline import build
from aqkg.recognition.engine import (
    Candidate,
    Coverage,
    Recognition,
    RecognitionError,
    chain,
    format_everywhere,
    format_recognition,
    read_relation,
    recognise,
    recognise_everywhere,
    unit_coverage,
)
from aqkg.store.embedded import EmbeddedStore

ID = "https://w3id.org/aqkg/id/"
BEW_CORRIDOR = ID + "corridor/ASEAN/th-kh-building-electrical-wiring"
BRK_CORRIDOR = ID + "corridor/ASEAN/th-clm-bricklaying-plastering-masonry"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedStore:
    path = tmp_path_factory.mktemp("recognise") / "store"
    summary, _ = build(path)
    assert summary.written, "the project data must build"
    return EmbeddedStore.open(path)


def only_candidate(rec: Recognition, reference: str) -> Candidate:
    assert [c.qualification.reference for c in rec.candidates] == [reference]
    return rec.candidates[0]


def codes(coverage: Coverage) -> dict[str, str]:
    """Required unit code -> relation of its best path, or 'missing'."""
    found = {m.unit.code: m.relation for m in coverage.matches}
    return found | {m.unit.code: "missing" for m in coverage.missing}


def figures(coverage: Coverage) -> tuple[int, int, int, int, str | None]:
    return (
        coverage.total,
        coverage.covered,
        coverage.partly_covered,
        len(coverage.missing),
        coverage.weakest,
    )


# ---------------------------------------------------------------------------------------------
# Building electrical wiring corridor, Thailand -> Cambodia and back
# ---------------------------------------------------------------------------------------------


def test_building_electrical_wiring_thailand_to_cambodia(store: EmbeddedStore) -> None:
    rec = recognise(store, "TH/DSD-BEW-L1", "KH")
    candidate = only_candidate(rec, "KH/ILLUS-BEW")
    assert candidate.basis.kind == "corridor"
    assert [a.iri for a in candidate.basis.arrangements] == [BEW_CORRIDOR]
    # KH units 01-04 map exactly to RMCS BEW-01, 03, 04, 05; TH 01, 03, 04 map exactly to the
    # same hubs, TH-05 only closely to BEW-05. KH-05 goes to BEW-06 (no Thai unit), KH-06 to
    # nothing: 4 of 6 covered, weakest link close.
    assert figures(candidate.coverage) == (6, 4, 0, 2, "close")
    assert candidate.coverage.share_covered == pytest.approx(0.6667)
    assert codes(candidate.coverage) == {
        "ILLUS-KH-BEW-01": "exact",
        "ILLUS-KH-BEW-02": "exact",
        "ILLUS-KH-BEW-03": "exact",
        "ILLUS-KH-BEW-04": "close",
        "ILLUS-KH-BEW-05": "missing",
        "ILLUS-KH-BEW-06": "missing",
    }
    close = next(m for m in candidate.coverage.matches if m.relation == "close")
    assert (close.matched_by.code, close.via and close.via.code) == (
        "ILLUS-TH-BEW-05",
        "ILLUS-BEW-05",
    )
    records = [e for hop in close.hops for e in hop.records]
    assert [e.record for e in records] == [
        ID + "mapping/TH/illus-th-bew-05-to-illus-bew-05",
        ID + "mapping/KH/illus-kh-bew-04-to-illus-bew-05",
    ]
    assert all(e.curation == "illustrative" for e in records)
    # illustrative records cite no source: the document they imitate is "modelled on"
    assert all(e.sources == () for e in records)
    assert all(ID + "source/mrs-ilo-bew-th-kh-2020" in e.modelled_on for e in records)
    # in both directions: TH-02 (drawings, RMCS BEW-02) has no Cambodian counterpart
    assert figures(candidate.reverse_coverage) == (5, 4, 0, 1, "close")
    assert [m.unit.code for m in candidate.reverse_coverage.missing] == ["ILLUS-TH-BEW-02"]


def test_illustrative_data_is_flagged_and_every_step_sourced(store: EmbeddedStore) -> None:
    rec = recognise(store, "TH/DSD-BEW-L1", "KH")
    candidate = rec.candidates[0]
    # 2 qualifications + the corridor + 8 mapping records (4 per direction of each path)
    assert candidate.dependence.steps == 11
    assert candidate.warnings == ("depends on illustrative data: 10 of 11 steps",)
    assert "KH/ILLUS-BEW: depends on illustrative data: 10 of 11 steps" in rec.warnings
    corridor = next(s for s in candidate.steps if s.kind == "corridor")
    assert (corridor.iri, corridor.curation) == (BEW_CORRIDOR, "verified")
    # every real step cites sources; every illustrative one names what it was modelled on
    for step in candidate.steps:
        assert (step.sources, step.modelled_on)[step.curation == "illustrative"], step
        assert not (step.curation == "illustrative" and step.sources), step
    cited = {s for step in candidate.steps for s in step.sources}
    assert cited <= {source.iri for source in rec.sources}
    models = {s for step in candidate.steps for s in step.modelled_on}
    assert models == {source.iri for source in rec.modelled_on}
    assert all(source.url for source in (*rec.sources, *rec.modelled_on))


def test_a_modelled_on_document_is_never_called_a_source(store: EmbeddedStore) -> None:
    rec = recognise(store, "TH/DSD-BEW-L1", "KH")
    table = format_recognition(rec, "table")
    step_lines = [line for line in table.splitlines() if "[illustrative]  " in line]
    assert step_lines and all("modelled on: " in line for line in step_lines)
    assert not any("sources:" in line for line in step_lines)
    sources_part = table.split("\nsources:\n", 1)[1].split("\n\nmodelled on", 1)[0]
    assert "std-th-skill-tests-2015" not in sources_part  # cited by illustrative records only
    assert "modelled on (documents illustrative steps imitate; not evidence):" in table
    markdown = format_recognition(rec, "markdown")
    assert "## Modelled on (documents illustrative steps imitate; not evidence)" in markdown
    assert (
        "| mapping | `id:mapping/TH/illus-th-bew-01-to-illus-bew-01` | illustrative | modelled on "
        in markdown
    )
    payload = json.loads(format_recognition(rec, "json"))
    assert payload["modelled_on"] and all(m["url"] for m in payload["modelled_on"])


def test_reverse_direction_cambodia_to_thailand(store: EmbeddedStore) -> None:
    rec = recognise(store, "KH/ILLUS-BEW", "TH")
    candidate = only_candidate(rec, "TH/DSD-BEW-L1")
    assert candidate.basis.kind == "corridor"
    assert figures(candidate.coverage) == (5, 4, 0, 1, "close")
    assert [m.unit.code for m in candidate.coverage.missing] == ["ILLUS-TH-BEW-02"]
    assert figures(candidate.reverse_coverage) == (6, 4, 0, 2, "close")


# ---------------------------------------------------------------------------------------------
# Bricklaying corridor, Thailand -> Cambodia, Lao PDR, Myanmar
# ---------------------------------------------------------------------------------------------

# TH units: BRK-01 = RMCS BRK-01, 02 = BRK-02, 03 = BRK-03, 04 = BRK-04 (all exact), 05 close CS-B5.
BRICKLAYING = {
    # KH 01-04 exact to BRK-01, 03, 04, 05; nothing Thai reaches BRK-05.
    "KH": (
        "KH/ILLUS-BRK",
        (4, 3, 0, 1, "exact"),
        {
            "ILLUS-KH-BRK-01": "exact",
            "ILLUS-KH-BRK-02": "exact",
            "ILLUS-KH-BRK-03": "exact",
            "ILLUS-KH-BRK-04": "missing",
        },
        (5, 3, 0, 2, "exact"),
    ),
    # LA-02 narrowMatch BRK-03: the Lao unit is broader than TH-03, so TH-03 covers it only in
    # part; LA-03 broadMatch BRK-04: the Lao unit is narrower, so TH-04 covers it.
    "LA": (
        "LA/ILLUS-BRK",
        (3, 2, 1, 0, "narrower"),
        {"ILLUS-LA-BRK-01": "exact", "ILLUS-LA-BRK-02": "narrower", "ILLUS-LA-BRK-03": "broader"},
        (5, 2, 1, 2, "narrower"),
    ),
    # MM-03 close BRK-04; MM-04 is recorded as NoMatch against BRK-03.
    "MM": (
        "MM/ILLUS-BRK",
        (4, 3, 0, 1, "close"),
        {
            "ILLUS-MM-BRK-01": "exact",
            "ILLUS-MM-BRK-02": "exact",
            "ILLUS-MM-BRK-03": "close",
            "ILLUS-MM-BRK-04": "missing",
        },
        (5, 3, 0, 2, "close"),
    ),
}


@pytest.mark.parametrize("country", sorted(BRICKLAYING))
def test_bricklaying_corridor_from_thailand(store: EmbeddedStore, country: str) -> None:
    reference, forward, relations, reverse = BRICKLAYING[country]
    rec = recognise(store, "TH/DSD-BRK-PLS-L1", country)
    candidate = only_candidate(rec, reference)
    assert candidate.basis.kind == "corridor"
    assert [a.iri for a in candidate.basis.arrangements] == [BRK_CORRIDOR]
    assert figures(candidate.coverage) == forward
    assert codes(candidate.coverage) == relations
    assert figures(candidate.reverse_coverage) == reverse
    assert {m.unit.code for m in candidate.reverse_coverage.missing} == {
        "ILLUS-TH-BRK-02",
        "ILLUS-TH-BRK-05",
    }
    assert any(w.startswith("depends on illustrative data:") for w in candidate.warnings)
    assert (
        "not referenced to the AQRF (status: referencing" in candidate.qualification.level.statement
    )


def test_hub_and_spoke_corridor_does_not_link_two_spokes(store: EmbeddedStore) -> None:
    # Thailand is the hub of the bricklaying pilot: Cambodia-Lao PDR is not a corridor pair.
    for candidate in recognise(store, "KH/ILLUS-BRK", "LA").candidates:
        assert candidate.basis.kind != "corridor"
        assert BRK_CORRIDOR not in [a.iri for a in candidate.basis.arrangements]
    assert recognise(store, "KH/ILLUS-BRK", "TH").candidates[0].basis.kind == "corridor"


def test_no_match_record_names_the_missing_unit(store: EmbeddedStore) -> None:
    candidate = recognise(store, "TH/DSD-BRK-PLS-L1", "MM").candidates[0]
    (missing,) = candidate.coverage.missing
    assert missing.unit.code == "ILLUS-MM-BRK-04"
    assert missing.no_match_records == (ID + "mapping/MM/illus-mm-brk-04-to-illus-brk-03",)


# ---------------------------------------------------------------------------------------------
# No arrangement for the occupation: AQRF level comparability only
# ---------------------------------------------------------------------------------------------


def test_no_corridor_for_the_occupation_says_only_level_comparability(
    store: EmbeddedStore,
) -> None:
    rec = recognise(store, "PH/MASONRY-NC-II", "TH")
    assert rec.arrangement_statement.startswith(
        "No corridor or MRA between PH and TH covers Mason: only AQRF level comparability applies."
    )
    candidate = only_candidate(rec, "TH/DSD-BRK-PLS-L1")
    assert (candidate.basis.kind, candidate.basis.strength) == ("aqrf-level-only", 0)
    assert candidate.basis.statement.startswith(
        "AQRF level comparability only, and it cannot be shown"
    )
    # endorsed, yet no pairing recorded: said as such, not as "not referenced ... (endorsed)"
    assert (
        "Thai NQF level 1: the framework's AQRF referencing is endorsed, but no level pairing "
        "from it is recorded, so the AQRF level is not shown" in candidate.basis.statement
    )
    assert "not referenced to the AQRF (status: referencing endorsed" not in (
        candidate.basis.statement
    )
    assert rec.held.level.aqrf == ()  # no published level pairing: nothing guessed
    # CON712301 exact and CON712304 exact, CON712303 close; TH-05 only through CS-B5, where both
    # hops are close: they do not chain.
    assert figures(candidate.coverage) == (5, 3, 0, 2, "close")
    five = next(m for m in candidate.coverage.missing if m.unit.code == "ILLUS-TH-BRK-05")
    assert five.reasons == (
        "CON931201 via CS-B5: close + close does not chain (one non-exact hop at most)",
    )


def test_destination_without_qualifications_says_so(store: EmbeddedStore) -> None:
    rec = recognise(store, "PH/EIM-NC-II", "VN")
    assert rec.candidates == ()
    assert "only AQRF level comparability applies" in rec.arrangement_statement
    assert rec.notes and "No qualification in VN" in rec.notes[0]


# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------


def test_iri_and_any_case_are_accepted(store: EmbeddedStore) -> None:
    rec = recognise(store, ID + "qualification/TH/DSD-BEW-L1", "cambodia")
    assert (rec.held.reference, rec.to_country) == ("TH/DSD-BEW-L1", "KH")
    assert recognise(store, "th/dsd-bew-l1", "kh").held.iri == rec.held.iri


def test_unknown_qualification_is_named_with_near_matches(store: EmbeddedStore) -> None:
    with pytest.raises(
        RecognitionError, match=r"unknown qualification 'TH/DSD-BEW'.*TH/DSD-BEW-L1"
    ):
        recognise(store, "TH/DSD-BEW", "KH")


def test_unknown_or_same_country_is_refused(store: EmbeddedStore) -> None:
    with pytest.raises(
        RecognitionError, match=r"unknown country 'Cambodja': did you mean Cambodia"
    ):
        recognise(store, "TH/DSD-BEW-L1", "Cambodja")
    with pytest.raises(RecognitionError, match="already a TH qualification"):
        recognise(store, "TH/DSD-BEW-L1", "TH")


# ---------------------------------------------------------------------------------------------
# Formats
# ---------------------------------------------------------------------------------------------


def test_all_three_formats_render(store: EmbeddedStore) -> None:
    rec = recognise(store, "TH/DSD-BEW-L1", "KH")
    payload = json.loads(format_recognition(rec, "json"))
    assert payload["format"] == "aqkg-recognition/1"
    assert payload["candidates"][0]["coverage"]["covered"] == 4
    assert payload["candidates"][0]["warnings"] == ["depends on illustrative data: 10 of 11 steps"]
    assert format_recognition(rec, "json") == format_recognition(
        recognise(store, "TH/DSD-BEW-L1", "KH"), "json"
    )
    table = format_recognition(rec, "table")
    assert "depends on illustrative data: 10 of 11 steps" in table
    assert "ILLUS-KH-BEW-06" in table
    markdown = format_recognition(rec, "markdown")
    assert "| unit | matched by | via | relation | covers | hops | records |" in markdown
    assert "|---|---|---|---|---|---|---|" in markdown
    assert "depends on illustrative data" in markdown.split("## 1.")[0]


# ---------------------------------------------------------------------------------------------
# Chaining rule on FICTIONAL graphs (invented units and records, not real data)
# ---------------------------------------------------------------------------------------------

FICTIONAL = """
# FICTIONAL: invented qualifications, units and mapping records for the chaining-rule tests.
@prefix aqkg: <https://w3id.org/aqkg/ontology#> .
@prefix f: <https://example.org/fictional/> .

f:holder a aqkg:Qualification ;
    aqkg:requiresUnit f:h1 , f:h2 , f:h3 , f:h4 , f:h5 , f:h6 , f:h7 , f:h8 , f:h9 , f:h10 , f:h11 .
f:target a aqkg:Qualification ;
    aqkg:requiresUnit f:t1 , f:t2 , f:t3 , f:t4 , f:t5 , f:t6 , f:t7 , f:t8 , f:t9 , f:t10 , f:t11 .
f:hub a aqkg:RegionalModelCompetencyStandard .
f:r1 aqkg:partOfStandard f:hub . f:r2 aqkg:partOfStandard f:hub . f:r3 aqkg:partOfStandard f:hub .
f:r4 aqkg:partOfStandard f:hub . f:r5 aqkg:partOfStandard f:hub . f:r6 aqkg:partOfStandard f:hub .
f:r7 aqkg:partOfStandard f:hub . f:r8 aqkg:partOfStandard f:hub . f:r9 aqkg:partOfStandard f:hub .
f:r11 aqkg:partOfStandard f:hub .

# 1 exact + exact
f:m1a aqkg:mappingSubject f:h1 ; aqkg:mappingPredicate aqkg:ExactMatch ; aqkg:mappingObject f:r1 .
f:m1b aqkg:mappingSubject f:t1 ; aqkg:mappingPredicate aqkg:ExactMatch ; aqkg:mappingObject f:r1 .
# 2 exact + close
f:m2a aqkg:mappingSubject f:h2 ; aqkg:mappingPredicate aqkg:ExactMatch ; aqkg:mappingObject f:r2 .
f:m2b aqkg:mappingSubject f:t2 ; aqkg:mappingPredicate aqkg:CloseMatch ; aqkg:mappingObject f:r2 .
# 3 close + close
f:m3a aqkg:mappingSubject f:h3 ; aqkg:mappingPredicate aqkg:CloseMatch ; aqkg:mappingObject f:r3 .
f:m3b aqkg:mappingSubject f:t3 ; aqkg:mappingPredicate aqkg:CloseMatch ; aqkg:mappingObject f:r3 .
# 4 exact + exact, but a NoMatch record on the second hop too
f:m4a aqkg:mappingSubject f:h4 ; aqkg:mappingPredicate aqkg:ExactMatch ; aqkg:mappingObject f:r4 .
f:m4b aqkg:mappingSubject f:t4 ; aqkg:mappingPredicate aqkg:ExactMatch ; aqkg:mappingObject f:r4 .
f:m4c aqkg:mappingSubject f:t4 ; aqkg:mappingPredicate aqkg:NoMatch ; aqkg:mappingObject f:r4 .
# 5 exact + exact through the hub, but a direct NoMatch between the two units
f:m5a aqkg:mappingSubject f:h5 ; aqkg:mappingPredicate aqkg:ExactMatch ; aqkg:mappingObject f:r5 .
f:m5b aqkg:mappingSubject f:t5 ; aqkg:mappingPredicate aqkg:ExactMatch ; aqkg:mappingObject f:r5 .
f:m5c aqkg:mappingSubject f:h5 ; aqkg:mappingPredicate aqkg:NoMatch ; aqkg:mappingObject f:t5 .
# 6 holder unit narrowMatch hub (the holder's unit is the broader one) + exact: covers
f:m6a aqkg:mappingSubject f:h6 ; aqkg:mappingPredicate aqkg:NarrowMatch ; aqkg:mappingObject f:r6 .
f:m6b aqkg:mappingSubject f:t6 ; aqkg:mappingPredicate aqkg:ExactMatch ; aqkg:mappingObject f:r6 .
# 7 holder unit broadMatch hub (the holder's unit is the narrower one) + exact: partial
f:m7a aqkg:mappingSubject f:h7 ; aqkg:mappingPredicate aqkg:BroadMatch ; aqkg:mappingObject f:r7 .
f:m7b aqkg:mappingSubject f:t7 ; aqkg:mappingPredicate aqkg:ExactMatch ; aqkg:mappingObject f:r7 .
# 8 recorded the other way round: hub broadMatch holder unit, so the holder's unit is broader
f:m8a aqkg:mappingSubject f:r8 ; aqkg:mappingPredicate aqkg:BroadMatch ; aqkg:mappingObject f:h8 .
f:m8b aqkg:mappingSubject f:t8 ; aqkg:mappingPredicate aqkg:ExactMatch ; aqkg:mappingObject f:r8 .
# 9 target unit broadMatch hub: the hub (= the holder's unit) is broader than the target's
f:m9a aqkg:mappingSubject f:h9 ; aqkg:mappingPredicate aqkg:ExactMatch ; aqkg:mappingObject f:r9 .
f:m9b aqkg:mappingSubject f:t9 ; aqkg:mappingPredicate aqkg:BroadMatch ; aqkg:mappingObject f:r9 .
# 10 direct close match, one hop
f:m10 aqkg:mappingSubject f:t10 ; aqkg:mappingPredicate aqkg:CloseMatch ; aqkg:mappingObject f:h10 .
# 11 broader + broader: hierarchical hops do not chain either
f:m11a aqkg:mappingSubject f:h11 ; aqkg:mappingPredicate aqkg:NarrowMatch ;
    aqkg:mappingObject f:r11 .
f:m11b aqkg:mappingSubject f:t11 ; aqkg:mappingPredicate aqkg:BroadMatch ;
    aqkg:mappingObject f:r11 .
"""

FICTIONAL_BASE = "https://example.org/fictional/"


@pytest.fixture(scope="module")
def fictional() -> Coverage:
    store = EmbeddedStore.in_memory()
    store.oxigraph.load(
        input=FICTIONAL.encode(),
        format=ox.RdfFormat.TURTLE,
        to_graph=ox.NamedNode(FICTIONAL_BASE + "graph"),
    )
    return unit_coverage(store, FICTIONAL_BASE + "holder", FICTIONAL_BASE + "target")


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("t1", "exact"),  # exact + exact chains
        ("t2", "close"),  # exact + close gives close
        ("t3", "missing"),  # close + close does not chain
        ("t4", "missing"),  # a NoMatch record blocks the hop
        ("t5", "missing"),  # a direct NoMatch blocks the path through the hub
        ("t6", "broader"),  # holder's unit broader: covers
        ("t7", "narrower"),  # holder's unit narrower: partial
        ("t8", "broader"),  # a record read backwards swaps broad and narrow
        ("t9", "broader"),  # target's unit narrower than the hub
        ("t10", "close"),  # direct record, read backwards
        ("t11", "missing"),  # broader + broader does not chain
    ],
)
def test_fictional_chaining_rule(fictional: Coverage, unit: str, expected: str) -> None:
    assert codes(fictional)[unit] == expected


def test_fictional_coverage_counts_partial_apart(fictional: Coverage) -> None:
    # covered: t1, t2, t6, t8, t9, t10; partly: t7; missing: t3, t4, t5, t11
    assert figures(fictional) == (11, 6, 1, 4, "narrower")
    partial = next(m for m in fictional.matches if m.unit.code == "t7")
    assert partial.covers == "partial"
    blocked = {m.unit.code: m.no_match_records for m in fictional.missing}
    assert blocked["t4"] == (FICTIONAL_BASE + "m4c",)
    assert blocked["t5"] == (FICTIONAL_BASE + "m5c",)
    assert blocked["t3"] == ()


def test_chain_and_reading_rules() -> None:
    assert chain(["exact", "exact"]) == "exact"
    assert chain(["close", "exact"]) == "close"
    assert chain(["close", "close"]) is None
    assert chain(["broader", "narrower"]) is None
    assert read_relation("BroadMatch", forward=True) == "narrower"
    assert read_relation("BroadMatch", forward=False) == "broader"
    assert read_relation("NarrowMatch", forward=True) == "broader"
    assert read_relation("NoMatch", forward=True) is None


# ---------------------------------------------------------------------------------------------
# Basis and levels on a FICTIONAL graph (invented countries XA, XB, XC; nothing here is real)
# ---------------------------------------------------------------------------------------------

FICTIONAL_COUNTRIES = """
# FICTIONAL: invented member states, frameworks, level pairings, MRA and qualifications.
@prefix aqkg: <https://w3id.org/aqkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix f: <https://example.org/fictional/> .
@prefix ams: <https://w3id.org/aqkg/id/country/> .
@prefix qa: <https://w3id.org/aqkg/id/qualification/XA/> .
@prefix qb: <https://w3id.org/aqkg/id/qualification/XB/> .
@prefix qc: <https://w3id.org/aqkg/id/qualification/XC/> .

ams:XA a aqkg:MemberState ; skos:notation "XA" ; skos:prefLabel "Fictional A"@en .
ams:XB a aqkg:MemberState ; skos:notation "XB" ; skos:prefLabel "Fictional B"@en .
ams:XC a aqkg:MemberState ; skos:notation "XC" ; skos:prefLabel "Fictional C"@en .
f:levelA2 aqkg:inFramework f:fwA ; aqkg:rank 2 ; skos:prefLabel "FQA level 2"@en .
f:levelB3 aqkg:inFramework f:fwB ; aqkg:rank 3 ; skos:prefLabel "FQB level 3"@en .
f:aqrf3 aqkg:rank 3 .
f:refA aqkg:referencedFramework f:fwA ; aqkg:referencingStatus aqkg:ReferencingEndorsed ;
    aqkg:hasLevelAlignment f:alignA .
f:alignA aqkg:nationalLevel f:levelA2 ; aqkg:aqrfLevel f:aqrf3 ; aqkg:matchType aqkg:ExactMatch ;
    aqkg:curationStatus aqkg:Illustrative .
f:refB aqkg:referencedFramework f:fwB ; aqkg:referencingStatus aqkg:ReferencingEndorsed ;
    aqkg:hasLevelAlignment f:alignB .
f:alignB aqkg:nationalLevel f:levelB3 ; aqkg:aqrfLevel f:aqrf3 ; aqkg:matchType aqkg:CloseMatch ;
    aqkg:curationStatus aqkg:Illustrative .
f:mra a aqkg:MutualRecognitionArrangement ; skos:prefLabel "Fictional MRA"@en ;
    aqkg:party ams:XA , ams:XC ; aqkg:coversOccupation f:welder ;
    aqkg:curationStatus aqkg:Verified .

qa:Q1 a aqkg:Qualification ; aqkg:memberState ams:XA ; aqkg:hasLevel f:levelA2 ;
    aqkg:forOccupation f:welder ; aqkg:curationStatus aqkg:Verified .
qb:Q2 a aqkg:Qualification ; aqkg:memberState ams:XB ; aqkg:hasLevel f:levelB3 ;
    aqkg:curationStatus aqkg:Verified .
qc:Q3 a aqkg:Qualification ; aqkg:memberState ams:XC ; aqkg:forOccupation f:welder ;
    aqkg:curationStatus aqkg:Verified .
"""


@pytest.fixture(scope="module")
def fictional_countries() -> EmbeddedStore:
    store = EmbeddedStore.in_memory()
    store.oxigraph.load(
        input=FICTIONAL_COUNTRIES.encode(),
        format=ox.RdfFormat.TURTLE,
        to_graph=ox.NamedNode(FICTIONAL_BASE + "countries"),
    )
    return store


def test_fictional_shared_aqrf_level_without_any_arrangement(
    fictional_countries: EmbeddedStore,
) -> None:
    rec = recognise(fictional_countries, "XA/Q1", "XB")
    assert rec.arrangement_statement == (
        "XA and XB share no recognition arrangement at all: only AQRF level comparability applies."
    )
    candidate = only_candidate(rec, "XB/Q2")
    assert [s.kind for s in candidate.shares] == ["AQRF level"]
    assert (candidate.basis.kind, candidate.basis.strength) == ("aqrf-level-only", 1)
    assert candidate.basis.statement == ("AQRF level comparability only: both are at AQRF level 3")
    assert rec.held.level.statement == "FQA level 2: AQRF level 3 (exact)"
    assert candidate.qualification.level.statement == "FQB level 3: AQRF level 3 (close)"
    # two verified qualifications and two illustrative level pairings
    assert candidate.warnings == ("depends on illustrative data: 2 of 4 steps",)


def test_fictional_mra_covering_the_occupation_is_the_basis(
    fictional_countries: EmbeddedStore,
) -> None:
    candidate = only_candidate(recognise(fictional_countries, "XA/Q1", "XC"), "XC/Q3")
    assert (candidate.basis.kind, candidate.basis.strength) == ("mra", 2)
    assert [a.iri for a in candidate.basis.arrangements] == [FICTIONAL_BASE + "mra"]
    assert candidate.coverage.total == 0 and candidate.coverage.weakest is None


# -- the plain answer (summary) ---------------------------------------------------------------


def test_summary_of_a_corridor_names_the_basis_and_the_units_still_to_show(
    store: EmbeddedStore,
) -> None:
    summary = recognise(store, "TH/DSD-BEW-L1", "KH").summary
    assert summary is not None
    [verdict] = summary.verdicts
    assert verdict.sentence.startswith("On illustrative data only, not a real path: ")
    assert "Likely recognised in Cambodia as " in verdict.sentence
    assert "through the MRS pilot corridor: Thailand with Cambodia" in verdict.sentence
    assert verdict.sentence.endswith(
        "2 of 6 units still to show: Test electrical installations (ILLUS-KH-BEW-05), "
        "Apply national electrical installation regulations (ILLUS-KH-BEW-06)."
    )
    assert verdict.basis.startswith("MRS corridor 'MRS pilot corridor: Thailand with Cambodia")
    assert summary.headline == verdict.sentence
    assert summary.next_steps[0].startswith("Ask the competent authority of Cambodia how to")
    assert any("Do not rely on a path marked illustrative" in s for s in summary.next_steps)
    assert summary.authorities == ()
    assert summary.authority_statement.startswith(
        "The competent authority in Cambodia for this occupation is not known"
    )
    assert "National Training Board" in summary.authority_statement  # on record, not claimed
    assert summary.disclaimer.startswith("This is not an official recognition decision")


def test_summary_of_a_partly_covered_corridor(store: EmbeddedStore) -> None:
    summary = recognise(store, "TH/DSD-BRK-PLS-L1", "LA").summary
    assert summary is not None
    assert summary.headline.endswith(
        "1 only partly covered: Set out and build brick walls (ILLUS-LA-BRK-02)."
    )
    assert summary.verdicts[0].partly_covered == (
        "Set out and build brick walls (ILLUS-LA-BRK-02)",
    )


def test_summary_of_a_certification_names_the_bodies_from_the_data(store: EmbeddedStore) -> None:
    summary = recognise(store, "PH/HOUSEKEEPING-NC-II", "VN").summary
    assert summary is not None
    top = summary.verdicts[0]
    assert top.kind == "certification" and top.unverified and not top.illustrative
    assert top.sentence.startswith(
        "Not yet confirmed (rests on unverified records): Eligible to seek certification as "
        "Room Attendant (ACCSTP) from Technical Education and Skills Development Authority"
    )
    assert top.sentence.endswith(
        "in Viet Nam, subject to its domestic law; all 5 units are covered."
    )
    [authority] = summary.authorities
    assert (authority.name, authority.role) == (
        "Vietnam Tourism Certification Board (VTCB)",
        "certification body",
    )
    assert authority.sources, "a body named to ask carries its sources"
    assert summary.authority_statement == (
        "In Viet Nam: Vietnam Tourism Certification Board (VTCB), certification body "
        "(website not known)."
    )
    assert summary.next_steps[0].startswith("Apply to Technical Education and Skills Development")
    assert any("not yet confirmed" in s for s in summary.next_steps)


def test_a_weak_certification_path_gets_no_verdict(store: EmbeddedStore) -> None:
    """A mason's qualification reaching one unit of a bell boy's job title is no answer."""
    rec = recognise(store, "PH/MASONRY-NC-II", "TH")
    assert rec.summary is not None
    assert any(c.job_title_name == "Bell Boy" for c in rec.certifications)  # in the details
    assert all(v.kind == "qualification" for v in rec.summary.verdicts)
    assert rec.summary.headline.startswith(
        "On illustrative data only, not a real path: No recognition basis found for "
    )
    assert rec.summary.next_steps[0] == (
        "Ask the competent authority of Thailand whether PH/MASONRY-NC-II can be assessed: "
        "no arrangement makes its recognition automatic."
    )


def test_no_candidate_gives_a_headline_that_says_so(store: EmbeddedStore) -> None:
    summary = recognise(store, "PH/HOUSEKEEPING-NC-II", "TL").summary
    assert summary is not None and summary.verdicts == ()
    assert summary.headline.startswith(
        "No comparable qualification was found in Timor-Leste for Housekeeping NC II"
    )
    assert summary.next_steps[0] == (
        "Ask the competent authority of Timor-Leste whether and how a Philippines "
        "qualification is assessed."
    )


@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
def test_every_format_opens_with_the_summary(store: EmbeddedStore, fmt: str) -> None:
    text = format_recognition(recognise(store, "TH/DSD-BEW-L1", "KH"), fmt)  # type: ignore[arg-type]
    if fmt == "json":
        payload = json.loads(text)
        assert list(payload)[:2] == ["format", "summary"]
        assert payload["summary"]["disclaimer"].startswith("This is not an official")
        return
    first_detail = text.index("Details")
    for part in ("In short", "What to do next", "Authority", "This is not an official"):
        assert 0 <= text.index(part) < first_detail, part
    # unit titles beside their codes on both sides
    assert "ILLUS-KH-BEW-01 " in text and "ILLUS-TH-BEW-01 " in text
    assert "Install" in text or "install" in text


def test_every_destination_ranked_with_one_line_each(store: EmbeddedStore) -> None:
    answer = recognise_everywhere(store, "TH/DSD-BRK-PLS-L1")
    codes = [d.country for d in answer.destinations]
    assert sorted(codes) == ["BN", "ID", "KH", "LA", "MM", "MY", "PH", "SG", "TL", "VN"]
    assert set(codes[:3]) == {"KH", "LA", "MM"}  # the corridor's partners first
    assert codes[3] == "PH"  # a candidate without a basis before no candidate at all
    assert codes[4:] == ["BN", "ID", "MY", "SG", "TL", "VN"]  # none: by code
    assert all(d.headline == d.summary.headline for d in answer.destinations)
    table = format_everywhere(answer, "table")
    assert table.count("\n") >= 10 and "This is not an official recognition decision" in table
    assert (
        json.loads(format_everywhere(answer, "json"))["format"] == "aqkg-recognition-everywhere/1"
    )
    assert "1. **Cambodia (KH)**" in format_everywhere(
        answer, "markdown"
    ) or "**Lao" in format_everywhere(answer, "markdown")
