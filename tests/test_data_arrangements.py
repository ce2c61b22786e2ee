"""Arrangement data: MRAs, MRS corridors, RMCS, national standards and qualifications, unit
mappings and their sources (data/regional, data/countries/*/standards.ttl and
qualifications.ttl, data/sources/arrangements.ttl).

Checks the facts policy (every real-world record sourced and curated, illustrative units marked
as such, ISCO codes real) and that the recognition corridors can actually be computed through
the RMCS hub.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
AQKG = Namespace("https://w3id.org/aqkg/ontology#")
ID = "https://w3id.org/aqkg/id/"
ISCO_PREFIX = "http://data.europa.eu/esco/isco/C"
ESCO_OCCUPATION_PREFIX = "http://data.europa.eu/esco/occupation/"

# Classes whose instances are not real-world records (docs/model.md).
NOT_RECORDS = {
    AQKG.SourceDocument,
    AQKG.CurationStatus,
    AQKG.MatchType,
    AQKG.MappingJustification,
    AQKG.ReferencingStatus,
    AQKG.FrameworkStatus,
}
CORRIDORS = {
    "th-clm-bricklaying-plastering-masonry": {"TH", "KH", "LA", "MM"},
    "th-kh-building-electrical-wiring": {"TH", "KH"},
    "th-mm-sewing-machine-operation": {"TH", "MM"},
    "ph-th-vn-transport-logistics": {"PH", "TH", "VN"},
    "mrs-qa-guiding-principles": {"ID", "MY", "PH", "TH"},
}
# (from, to) qualification pairs of the two computable corridors.
RECOGNITION_PATHS = [
    ("TH/DSD-BEW-L1", "KH/ILLUS-BEW"),
    ("TH/DSD-BRK-PLS-L1", "KH/ILLUS-BRK"),
    ("TH/DSD-BRK-PLS-L1", "LA/ILLUS-BRK"),
    ("TH/DSD-BRK-PLS-L1", "MM/ILLUS-BRK"),
]


def own_files() -> list[Path]:
    countries = DATA / "countries"
    return sorted(
        [
            *(DATA / "regional").glob("*.ttl"),
            *countries.glob("*/standards.ttl"),
            *countries.glob("*/qualifications.ttl"),
            DATA / "sources" / "arrangements.ttl",
        ]
    )


@cache
def own_graph() -> Graph:
    graph = Graph()
    for file in own_files():
        graph.parse(file, format="turtle")
    return graph


@cache
def all_data() -> Graph:
    """Own files plus the vocabularies, NQFs and framework sources they point into."""
    graph = Graph()
    graph += own_graph()
    for file in sorted(
        [
            *(DATA / "vocab").glob("*.ttl"),
            *(DATA / "countries").glob("*/nqf.ttl"),
            *(DATA / "sources").glob("*.ttl"),
        ]
    ):
        graph.parse(file, format="turtle")
    return graph


def iri(path: str) -> URIRef:
    return URIRef(ID + path)


def instances(graph: Graph, cls: URIRef) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, cls) if isinstance(s, URIRef)}


def is_rmcs_unit(graph: Graph, unit: URIRef) -> bool:
    standard = graph.value(unit, AQKG.partOfStandard)
    rmcs = (standard, RDF.type, AQKG.RegionalModelCompetencyStandard)
    return standard is not None and rmcs in graph


def is_regional_unit(graph: Graph, unit: URIRef) -> bool:
    """A unit of an ILO RMCS or of a regional competency standard (the ACCSTP)."""
    standard = graph.value(unit, AQKG.partOfStandard)
    regional = (standard, RDF.type, AQKG.RegionalCompetencyStandard)
    return is_rmcs_unit(graph, unit) or (standard is not None and regional in graph)


def esco_dir() -> Path:
    for base in (REPO.parent, REPO.parent.parent):
        candidate = base / "shared" / "data" / "reference" / "esco-v1.1.1"
        if (candidate / "ISCOGroups_en.csv").is_file():
            return candidate
    pytest.skip(
        "ESCO v1.1.1 CSV export (ISCOGroups_en.csv) not found in ../shared/data/reference: "
        "ISCO codes cannot be checked"
    )


# ---------------------------------------------------------------------------
# Files and counts
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("file", own_files(), ids=lambda f: str(f.relative_to(REPO)))
def test_file_parses(file: Path) -> None:
    assert len(Graph().parse(file, format="turtle")) > 0


def test_exactly_eight_mras() -> None:
    mras = instances(own_graph(), AQKG.MutualRecognitionArrangement)
    assert len(mras) == 8, sorted(mras)
    for mra in mras:
        assert str(mra).startswith(ID + "arrangement/ASEAN/mra-")
        assert own_graph().value(mra, AQKG.signedPlace) is not None, mra


@pytest.mark.parametrize("slug", sorted(CORRIDORS))
def test_named_corridor_has_its_parties(slug: str) -> None:
    graph = all_data()
    corridor = iri(f"corridor/ASEAN/{slug}")
    assert (corridor, RDF.type, AQKG.RecognitionCorridor) in graph
    parties = {str(p).rsplit("/", 1)[-1] for p in graph.objects(corridor, AQKG.party)}
    assert len(parties) >= 2
    assert parties == CORRIDORS[slug]
    assert graph.value(corridor, AQKG.underArrangement) == iri("arrangement/ASEAN/mrs")


def test_roadmap_step_only_with_a_date_and_otherwise_explained() -> None:
    graph = own_graph()
    for corridor in instances(graph, AQKG.RecognitionCorridor):
        step = graph.value(corridor, AQKG.roadmapStepReached)
        if step is None:
            notes = " ".join(graph.objects(corridor, SKOS.editorialNote))
            assert "Roadmap step" in notes or "roadmap step" in notes, corridor
        else:
            assert graph.value(corridor, AQKG.statusDate) is not None, corridor


# ---------------------------------------------------------------------------
# Units, qualifications, mappings
# ---------------------------------------------------------------------------


def test_every_unit_of_a_qualification_exists() -> None:
    graph = all_data()
    qualifications = instances(own_graph(), AQKG.Qualification)
    assert qualifications
    for qualification in qualifications:
        units = set(graph.objects(qualification, AQKG.requiresUnit))
        assert units, f"{qualification} requires no unit"
        for unit in units:
            assert (unit, RDF.type, AQKG.CompetencyUnit) in graph, f"{qualification}: {unit}"
            assert graph.value(unit, AQKG.partOfStandard) is not None, unit


def test_every_unit_belongs_to_one_described_standard() -> None:
    graph = all_data()
    for unit in instances(own_graph(), AQKG.CompetencyUnit):
        standards = list(graph.objects(unit, AQKG.partOfStandard))
        assert len(standards) == 1, unit
        assert (standards[0], AQKG.hasUnit, unit) in graph, unit


def test_every_mapping_goes_from_a_described_unit_to_a_regional_unit() -> None:
    """National unit -> RMCS or ACCSTP unit; or, inside the ACCSTP, one unit printed with two
    codes (justified by the source statement)."""
    graph = all_data()
    mappings = instances(own_graph(), AQKG.MappingRecord)
    assert mappings
    for mapping in mappings:
        subject = graph.value(mapping, AQKG.mappingSubject)
        target = graph.value(mapping, AQKG.mappingObject)
        assert (subject, RDF.type, AQKG.CompetencyUnit) in graph, mapping
        assert (target, RDF.type, AQKG.CompetencyUnit) in graph, mapping
        assert is_regional_unit(graph, target), f"{mapping}: object is not a regional unit"
        country = str(mapping).removeprefix(ID + "mapping/").split("/")[0]
        assert str(subject).startswith(ID + f"unit/{country}/"), mapping
        assert graph.value(mapping, AQKG.mappingAuthor) is not None, mapping
        if country == "ASEAN":
            same_standard = graph.value(subject, AQKG.partOfStandard)
            assert graph.value(target, AQKG.partOfStandard) == same_standard, mapping
            assert graph.value(mapping, AQKG.mappingJustification) == AQKG.SourceStatement
        else:
            assert not is_regional_unit(graph, subject), f"{mapping}: subject is regional"


def test_mappings_include_non_exact_and_no_match() -> None:
    predicates = set(own_graph().objects(None, AQKG.mappingPredicate))
    assert AQKG.ExactMatch in predicates
    assert predicates & {AQKG.CloseMatch, AQKG.BroadMatch, AQKG.NarrowMatch}
    assert AQKG.NoMatch in predicates


def test_every_illustrative_unit_is_marked() -> None:
    graph = own_graph()
    illustrative = {
        unit
        for unit in instances(graph, AQKG.CompetencyUnit)
        if (unit, AQKG.curationStatus, AQKG.Illustrative) in graph
    }
    assert illustrative
    for unit in illustrative:
        notes = [str(n) for n in graph.objects(unit, SKOS.editorialNote)]
        assert any(n.startswith("illustrative") for n in notes), unit
        notation = graph.value(unit, SKOS.notation)
        assert notation is not None and str(notation).startswith("ILLUS-"), unit


def test_illustrative_codes_are_never_presented_as_real() -> None:
    graph = own_graph()
    for unit in instances(graph, AQKG.CompetencyUnit):
        notation = graph.value(unit, SKOS.notation)
        if notation is not None and str(notation).startswith("ILLUS-"):
            assert (unit, AQKG.curationStatus, AQKG.Illustrative) in graph, unit


def test_every_illustrative_qualification_says_why() -> None:
    graph = own_graph()
    for qualification in instances(graph, AQKG.Qualification):
        if (qualification, AQKG.curationStatus, AQKG.Illustrative) in graph:
            notes = " ".join(graph.objects(qualification, SKOS.editorialNote))
            assert notes.startswith("illustrative") and "level" in notes, qualification


# ---------------------------------------------------------------------------
# Recognition paths through the RMCS hub
# ---------------------------------------------------------------------------


def rmcs_links(graph: Graph, unit: URIRef) -> Iterator[tuple[URIRef, URIRef]]:
    """(RMCS unit, match type) for every usable mapping of a national unit."""
    for mapping in graph.subjects(AQKG.mappingSubject, unit):
        match = graph.value(mapping, AQKG.mappingPredicate)
        if match != AQKG.NoMatch:
            yield graph.value(mapping, AQKG.mappingObject), match


def recognition_path(graph: Graph, source: URIRef, target: URIRef) -> dict[str, set[URIRef]]:
    """Units of the target qualification covered by the source one via the RMCS, and the gaps."""
    held: dict[URIRef, set[URIRef]] = {}
    for unit in graph.objects(source, AQKG.requiresUnit):
        for hub, match in rmcs_links(graph, unit):
            held.setdefault(hub, set()).add(match)
    result: dict[str, set[URIRef]] = {"exact": set(), "weak": set(), "gap": set()}
    for unit in graph.objects(target, AQKG.requiresUnit):
        links = [(hub, match) for hub, match in rmcs_links(graph, unit) if hub in held]
        if not links:
            result["gap"].add(unit)
        elif any(match == AQKG.ExactMatch and AQKG.ExactMatch in held[hub] for hub, match in links):
            result["exact"].add(unit)
        else:
            result["weak"].add(unit)
    return result


@pytest.mark.parametrize("pair", RECOGNITION_PATHS, ids=lambda p: f"{p[0]}->{p[1]}")
def test_recognition_path_is_computable(pair: tuple[str, str]) -> None:
    graph = all_data()
    source, target = (iri(f"qualification/{code}") for code in pair)
    path = recognition_path(graph, source, target)
    assert path["exact"], f"no unit of {target} is recognised through the RMCS"
    assert path["gap"] or path["weak"], f"{target}: an all-exact path shows the engine nothing"


def test_recognition_paths_show_gaps_and_weakest_links() -> None:
    graph = all_data()
    found: dict[str, set[URIRef]] = {"weak": set(), "gap": set()}
    for pair in RECOGNITION_PATHS:
        source, target = (iri(f"qualification/{code}") for code in pair)
        path = recognition_path(graph, source, target)
        for kind in found:
            found[kind] |= path[kind]
    assert found["gap"], "no recognition path has a missing unit"
    assert found["weak"], "every covered unit chains through exact matches only"


# ---------------------------------------------------------------------------
# Facts policy: sources, curation status, ISCO codes
# ---------------------------------------------------------------------------


def test_every_real_world_record_has_source_and_status() -> None:
    graph = all_data()
    own = own_graph()
    records = {
        s
        for s, cls in own.subject_objects(RDF.type)
        if str(cls).startswith(str(AQKG)) and cls not in NOT_RECORDS
    }
    assert records
    for record in records:
        statuses = set(graph.objects(record, AQKG.curationStatus))
        # real records cite sources; illustrative ones only name what they were modelled on
        cites = AQKG.modelledOn if statuses == {AQKG.Illustrative} else DCTERMS.source
        assert graph.value(record, cites) is not None, f"{record}: no {cites}"
        assert len(statuses) == 1, f"{record}: curation status {statuses}"
        assert statuses <= {AQKG.Verified, AQKG.Unverified, AQKG.Illustrative}, record
        languages = {label.language for label in graph.objects(record, SKOS.prefLabel)}
        assert "en" in languages, f"{record}: no English label"


def test_every_cited_source_is_described() -> None:
    graph = all_data()
    cited = set(own_graph().objects(None, DCTERMS.source))
    assert cited
    for source in cited:
        assert (source, RDF.type, AQKG.SourceDocument) in graph, f"{source} is not described"
        assert graph.value(source, DCTERMS.title) is not None, source
        assert graph.value(source, DCTERMS.publisher) is not None, source
        assert graph.value(source, AQKG.url) is not None, source


def test_own_sources_use_own_slug_prefixes() -> None:
    graph = Graph().parse(DATA / "sources" / "arrangements.ttl", format="turtle")
    for source in instances(graph, AQKG.SourceDocument):
        slug = str(source).removeprefix(ID + "source/")
        assert re.match(r"^(mra|mrs|rmcs|std)-[a-z0-9-]+$", slug), source


def test_every_isco_code_exists_in_esco() -> None:
    folder = esco_dir()
    with (folder / "ISCOGroups_en.csv").open(encoding="utf-8") as handle:
        codes = {row["code"] for row in csv.DictReader(handle)}
    used = {str(o) for o in own_graph().objects(None, AQKG.iscoGroup)}
    assert used
    for group in used:
        assert group.startswith(ISCO_PREFIX), group
        assert group.removeprefix(ISCO_PREFIX) in codes, f"{group} is not an ISCO-08 group"


def test_every_esco_occupation_exists_in_esco() -> None:
    folder = esco_dir()
    occupations_file = folder / "occupations_en.csv"
    if not occupations_file.is_file():
        pytest.skip(f"{occupations_file} not found: ESCO occupations cannot be checked")
    with occupations_file.open(encoding="utf-8") as handle:
        uris = {row["conceptUri"] for row in csv.DictReader(handle)}
    used = {str(o) for o in own_graph().objects(None, AQKG.escoOccupation)}
    assert used
    for occupation in used:
        assert occupation.startswith(ESCO_OCCUPATION_PREFIX), occupation
        assert occupation in uris, f"{occupation} is not an ESCO v1.1.1 occupation"
