"""Checks on the framework data: vocabularies, the AQRF, the eleven NQF files and their sources."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
ESCO_REFERENCE = Path(__file__).resolve().parents[2] / "shared/data/reference/esco-v1.1.1"

AQKG = Namespace("https://w3id.org/aqkg/ontology#")
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
XSD_ANYURI = URIRef("http://www.w3.org/2001/XMLSchema#anyURI")
ID = "https://w3id.org/aqkg/id/"
AQRF = URIRef(ID + "framework/ASEAN/AQRF")
DOMAINS = {
    "KS": URIRef(ID + "descriptor-domain/knowledge-and-skills"),
    "AR": URIRef(ID + "descriptor-domain/application-and-responsibility"),
}

# Framework IRI code of each member state (docs/model.md, "Framework IRI codes").
FRAMEWORK_CODES = {
    "BN": "BDQF",
    "KH": "CQF",
    "ID": "KKNI",
    "LA": "LNQF",
    "MY": "MQF",
    "MM": "MNQF",
    "PH": "PQF",
    "SG": "WSQ",
    "TH": "TNQF",
    "TL": "SNQ",  # Timor-Leste, a member state since 26 October 2025
    "VN": "VQF",
}
NATIONAL_LANGUAGES = {
    "BN": "ms",
    "KH": "km",
    "ID": "id",
    "LA": "lo",
    "MY": "ms",
    "MM": "my",
    "PH": "fil",
    "SG": "ms",
    "TH": "th",
    "TL": "pt",
    "VN": "vi",
}
REFERENCING_STATUSES = {
    AQKG[name]
    for name in (
        "ReferencingNotStarted",
        "ReferencingInProgress",
        "ReferencingDraftSubmitted",
        "ReferencingEndorsed",
        "ReferencingStatusUnknown",
    )
}
FRAMEWORK_STATUSES = {
    AQKG.FrameworkInForce,
    AQKG.FrameworkInDevelopment,
    AQKG.NoSingleFramework,
    AQKG.FrameworkStatusUnknown,
}
CURATION_STATUSES = {AQKG.Verified, AQKG.Unverified, AQKG.Illustrative}
# Instances of these classes are not real-world records (docs/model.md).
NOT_REAL_WORLD = {
    AQKG.SourceDocument,
    AQKG.CurationStatus,
    AQKG.MatchType,
    AQKG.MappingJustification,
    AQKG.ReferencingStatus,
    AQKG.FrameworkStatus,
}


def framework_files() -> list[Path]:
    return sorted(
        [
            *(DATA / "vocab").glob("*.ttl"),
            *(DATA / "countries").glob("*/nqf.ttl"),
            DATA / "sources" / "frameworks.ttl",
        ]
    )


@cache
def parsed(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


@cache
def framework_graph() -> Graph:
    graph = Graph()
    for path in framework_files():
        graph += parsed(path)
    return graph


@cache
def sources_graph() -> Graph:
    graph = Graph()
    for path in (DATA / "sources").glob("*.ttl"):
        graph += parsed(path)
    return graph


def vocab(name: str) -> Graph:
    return parsed(DATA / "vocab" / f"{name}.ttl")


def real_world_records(graph: Graph) -> Iterator[URIRef]:
    for subject, cls in graph.subject_objects(RDF.type):
        if str(cls).startswith(str(AQKG)) and cls not in NOT_REAL_WORLD:
            yield subject


# ---------------------------------------------------------------- parsing and coverage


def test_all_eleven_country_files_exist() -> None:
    present = {path.parent.name for path in (DATA / "countries").glob("*/nqf.ttl")}
    assert present == {code.lower() for code in FRAMEWORK_CODES}


@pytest.mark.parametrize("path", framework_files(), ids=lambda p: str(p.relative_to(DATA)))
def test_file_parses_and_is_not_empty(path: Path) -> None:
    assert len(parsed(path)) > 0


# ---------------------------------------------------------------- member states


def test_eleven_member_states_with_codes_and_names() -> None:
    graph = vocab("member-states")
    states = set(graph.subjects(RDF.type, AQKG.MemberState))
    assert {str(s) for s in states} == {ID + f"country/{code}" for code in FRAMEWORK_CODES}
    for state in states:
        code = str(state).rsplit("/", 1)[1]
        assert graph.value(state, SKOS.notation) == Literal(code)
        alpha3 = graph.value(state, AQKG.iso3166Alpha3)
        assert alpha3 is not None and len(str(alpha3)) == 3 and str(alpha3).isupper()
        languages = {label.language for label in graph.objects(state, SKOS.prefLabel)}
        assert {"en", NATIONAL_LANGUAGES[code]} <= languages, state


# ---------------------------------------------------------------- AQRF


def test_aqrf_has_eight_ranked_levels_with_two_descriptors_each() -> None:
    graph = vocab("aqrf")
    levels = set(graph.subjects(AQKG.inFramework, AQRF))
    assert sorted(int(graph.value(level, AQKG.rank)) for level in levels) == list(range(1, 9))
    assert graph.value(AQRF, AQKG.levelCount) == Literal(8)
    for level in levels:
        rank = int(graph.value(level, AQKG.rank))
        assert level == URIRef(ID + f"level/ASEAN/AQRF-{rank}")
        descriptors = set(graph.subjects(AQKG.describesLevel, level))
        assert {graph.value(d, AQKG.descriptorDomain) for d in descriptors} == set(DOMAINS.values())
        assert len(descriptors) == 2


def test_descriptor_paraphrases_stay_unverified_until_replaced() -> None:
    graph = vocab("aqrf")
    descriptors = list(graph.subjects(RDF.type, AQKG.LevelDescriptor))
    assert len(descriptors) == 16
    for descriptor in descriptors:
        assert graph.value(descriptor, AQKG.curationStatus) == AQKG.Unverified, descriptor
        note = " ".join(graph.objects(descriptor, SKOS.editorialNote))
        assert "official" in note and "replace" in note, descriptor


def test_descriptor_domains_are_described() -> None:
    graph = vocab("descriptor-domains")
    for domain in DOMAINS.values():
        assert (domain, RDF.type, AQKG.DescriptorDomain) in graph


# ---------------------------------------------------------------- national frameworks


@pytest.mark.parametrize("country", sorted(FRAMEWORK_CODES))
def test_nqf_file_has_framework_state_and_referencing(country: str) -> None:
    graph = parsed(DATA / "countries" / country.lower() / "nqf.ttl")
    framework = URIRef(ID + f"framework/{country}/{FRAMEWORK_CODES[country]}")
    assert (framework, RDF.type, AQKG.NationalQualificationsFramework) in graph
    assert set(graph.subjects(RDF.type, AQKG.NationalQualificationsFramework)) == {framework}
    assert graph.value(framework, AQKG.memberState) == URIRef(ID + f"country/{country}")
    assert set(graph.objects(framework, AQKG.frameworkStatus)) <= FRAMEWORK_STATUSES
    assert len(set(graph.objects(framework, AQKG.frameworkStatus))) == 1
    assert any(label.language == "en" for label in graph.objects(framework, SKOS.prefLabel))

    referencing = URIRef(ID + f"referencing/{country}/{FRAMEWORK_CODES[country]}-AQRF")
    assert (referencing, RDF.type, AQKG.Referencing) in graph
    assert graph.value(referencing, AQKG.referencedFramework) == framework
    assert graph.value(referencing, AQKG.targetFramework) == AQRF
    statuses = set(graph.objects(referencing, AQKG.referencingStatus))
    assert len(statuses) == 1 and statuses <= REFERENCING_STATUSES
    for date in graph.objects(referencing, AQKG.statusDate):  # the month only where no day is known
        assert date.datatype in (XSD_DATE, URIRef("http://www.w3.org/2001/XMLSchema#gYearMonth"))


@pytest.mark.parametrize("country", sorted(FRAMEWORK_CODES))
def test_levels_belong_to_their_framework_and_match_level_count(country: str) -> None:
    graph = parsed(DATA / "countries" / country.lower() / "nqf.ttl")
    code = FRAMEWORK_CODES[country]
    framework = URIRef(ID + f"framework/{country}/{code}")
    levels = set(graph.subjects(RDF.type, AQKG.FrameworkLevel))
    assert all(graph.value(level, AQKG.inFramework) == framework for level in levels)
    ranks = {int(graph.value(level, AQKG.rank)): level for level in levels}
    assert all(
        level == URIRef(ID + f"level/{country}/{code}-{rank}") for rank, level in ranks.items()
    )
    count = graph.value(framework, AQKG.levelCount)
    if count is not None:
        assert sorted(ranks) == list(range(1, int(count) + 1))
    else:  # count not sourced: at most the lowest level, never Verified
        assert set(ranks) <= {1}
        assert all(graph.value(lvl, AQKG.curationStatus) != AQKG.Verified for lvl in levels)


@pytest.mark.parametrize("country", sorted(FRAMEWORK_CODES))
def test_referencing_without_alignments_says_why(country: str) -> None:
    graph = parsed(DATA / "countries" / country.lower() / "nqf.ttl")
    for referencing in graph.subjects(RDF.type, AQKG.Referencing):
        alignments = set(graph.objects(referencing, AQKG.hasLevelAlignment))
        if not alignments:
            notes = " ".join(graph.objects(referencing, SKOS.editorialNote))
            assert "no level alignments" in notes, referencing
        for alignment in alignments:
            assert graph.value(alignment, AQKG.partOfReferencing) == referencing
            aqrf_level = graph.value(alignment, AQKG.aqrfLevel)
            assert str(aqrf_level).startswith(ID + "level/ASEAN/AQRF-")


@pytest.mark.parametrize("country", sorted(FRAMEWORK_CODES))
def test_organisations_belong_to_their_country(country: str) -> None:
    graph = parsed(DATA / "countries" / country.lower() / "nqf.ttl")
    framework = URIRef(ID + f"framework/{country}/{FRAMEWORK_CODES[country]}")
    for body in graph.objects(framework, AQKG.responsibleBody):
        assert str(body).startswith(ID + f"org/{country}/")
        assert graph.value(body, AQKG.memberState) == URIRef(ID + f"country/{country}")


# ---------------------------------------------------------------- provenance


def test_every_real_world_record_has_source_and_one_curation_status() -> None:
    graph = framework_graph()
    records = set(real_world_records(graph))
    assert len(records) > 200
    for record in records:
        assert graph.value(record, DCTERMS.source) is not None, record
        statuses = set(graph.objects(record, AQKG.curationStatus))
        assert len(statuses) == 1 and statuses <= CURATION_STATUSES, record


def test_every_cited_source_is_described() -> None:
    sources = sources_graph()
    for cited in set(framework_graph().objects(None, DCTERMS.source)):
        assert (cited, RDF.type, AQKG.SourceDocument) in sources, cited
        assert sources.value(cited, DCTERMS.title) is not None, cited
        assert sources.value(cited, DCTERMS.publisher) is not None, cited
        url = sources.value(cited, AQKG.url)
        assert url is not None and url.datatype == XSD_ANYURI, cited


def test_framework_source_slugs_use_their_prefixes() -> None:
    graph = parsed(DATA / "sources" / "frameworks.ttl")
    for source in graph.subjects(RDF.type, AQKG.SourceDocument):
        slug = str(source).removeprefix(ID + "source/")
        assert slug.startswith(("nqf-", "aqrf-", "vocab-")), source


def test_verified_records_cite_an_official_source() -> None:
    """Curation rule: Verified needs at least one source counted as official.

    Sources described in frameworks.ttl say OFFICIAL or SECONDARY in rdfs:comment; sources borrowed
    from other files are not classified here and are accepted.
    """
    graph = framework_graph()
    own = parsed(DATA / "sources" / "frameworks.ttl")

    def official(source: URIRef) -> bool:
        comment = own.value(source, RDFS.comment)
        return comment is None or str(comment).startswith("OFFICIAL")

    for record in set(graph.subjects(AQKG.curationStatus, AQKG.Verified)):
        cited = list(graph.objects(record, DCTERMS.source))
        assert any(official(source) for source in cited), record


# ---------------------------------------------------------------- ISCO-08 against ESCO


@cache
def esco_isco_groups() -> dict[str, tuple[str, str]]:
    with (ESCO_REFERENCE / "ISCOGroups_en.csv").open(encoding="utf-8", newline="") as handle:
        return {
            row["code"]: (row["conceptUri"], row["preferredLabel"])
            for row in csv.DictReader(handle)
        }


def test_isco_groups_match_esco_reference() -> None:
    if not (ESCO_REFERENCE / "ISCOGroups_en.csv").is_file():
        pytest.skip(f"ESCO v1.1.1 reference export not found at {ESCO_REFERENCE}")
    graph = vocab("isco08")
    reference = esco_isco_groups()
    groups = set(graph.subjects(RDF.type, AQKG.IscoGroup))
    assert groups
    for group in groups:
        code = str(graph.value(group, SKOS.notation))
        assert code in reference, code
        uri, label = reference[code]
        assert str(group) == uri
        assert graph.value(group, SKOS.prefLabel) == Literal(label, lang="en"), code


def test_isco_hierarchy_is_complete_up_to_major_groups() -> None:
    graph = vocab("isco08")
    for group in graph.subjects(RDF.type, AQKG.IscoGroup):
        code = str(graph.value(group, SKOS.notation))
        parent = graph.value(group, SKOS.broader)
        if len(code) == 1:
            assert parent is None, code
        else:
            assert parent is not None and (parent, RDF.type, AQKG.IscoGroup) in graph, code
            assert str(graph.value(parent, SKOS.notation)) == code[:-1]


# ---------------------------------------------------------------- other vocabularies


def test_roadmap_has_seven_ranked_steps() -> None:
    graph = vocab("roadmap-steps")
    steps = set(graph.subjects(RDF.type, AQKG.RoadmapStep))
    assert sorted(int(graph.value(step, AQKG.rank)) for step in steps) == list(range(1, 8))
    for step in steps:
        rank = int(graph.value(step, AQKG.rank))
        assert step == URIRef(ID + f"roadmap-step/{rank}")


@pytest.mark.parametrize(
    ("name", "cls", "expected"),
    [
        ("rmcs-sectors", AQKG.Sector, 9),
        ("education-sectors", AQKG.EducationSector, 3),
        ("recognition-models", AQKG.RecognitionModel, 3),
    ],
)
def test_concept_schemes_are_complete(name: str, cls: URIRef, expected: int) -> None:
    graph = vocab(name)
    concepts = set(graph.subjects(RDF.type, cls))
    assert len(concepts) == expected
    for concept in concepts:
        assert graph.value(concept, SKOS.inScheme) is not None, concept
        assert graph.value(concept, SKOS.definition) is not None, concept
