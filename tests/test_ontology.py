"""The ontology: it parses, it matches the term contract (docs/model.md), it is OWL 2 DL, and
HermiT finds it consistent together with everything under data/.

The reasoner tests need Java (HermiT ships with owlready2). Without Java they fail, never skip:
CI installs it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import owlready2
import pytest
import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS

from aqkg.sparql.catalogue import read_query

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "aqkg.ttl"
ALIGNMENTS = ROOT / "ontology" / "alignments.ttl"
ONTOLOGY_FILES = (ONTOLOGY, ALIGNMENTS)
MODEL_DOC = ROOT / "docs" / "model.md"
QC_DIR = ROOT / "queries" / "qc"
DATA_DIR = ROOT / "data"

AQKG = rdflib.Namespace("https://w3id.org/aqkg/ontology#")
PREFIXES = {"aqkg": str(AQKG), "skos": str(SKOS), "dcterms": str(DCTERMS)}
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
ENTITY_KINDS = (OWL.Class, OWL.NamedIndividual, *PROPERTY_KINDS)

CONTRACT_TERM = re.compile(r"\b(aqkg|skos|dcterms):([A-Za-z][A-Za-z0-9]*)")
BACKTICKED_AQKG_NAME = re.compile(r"`aqkg:([A-Za-z][A-Za-z0-9]*)`")
INDIVIDUALS_HEADING = "Individuals defined in the ontology:"

FICTIONAL_PREFIXES = """\
@prefix aqkg: <https://w3id.org/aqkg/ontology#> .
@prefix ex: <http://example.org/fictional/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
"""

# Java source of the OWL 2 DL profile check; OWL API 3 is bundled in owlready2's HermiT.jar.
DL_PROFILE_CHECK_JAVA = """\
import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public class DlProfileCheck {
    public static void main(String[] args) throws Exception {
        OWLOntology ontology = OWLManager.createOWLOntologyManager()
            .loadOntologyFromOntologyDocument(new File(args[0]));
        for (OWLProfileViolation v : new OWL2DLProfile().checkOntology(ontology).getViolations()) {
            System.out.println("VIOLATION " + v);
        }
        System.out.println("CHECKED " + ontology.getAxiomCount() + " axioms");
    }
}
"""


# --- helpers ------------------------------------------------------------------------------------


def data_files() -> list[Path]:
    return sorted(DATA_DIR.rglob("*.ttl"))


def parse_turtle(paths: Iterable[Path]) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


def write_fictional(tmp_path: Path, turtle: str) -> Path:
    path = tmp_path / "fictional.ttl"
    path.write_text(FICTIONAL_PREFIXES + turtle, encoding="utf-8")
    return path


def require_java() -> str:
    java = shutil.which(owlready2.JAVA_EXE)
    if java is None:
        pytest.fail(
            f"Java ({owlready2.JAVA_EXE!r}) is not on PATH: the HermiT and OWL API checks need a"
            " Java 11+ runtime (apt-get install default-jre-headless)."
        )
    return java


def reason(paths: Iterable[Path], tmp_path: Path) -> owlready2.World:
    """Load the Turtle files into a fresh owlready2 World and run HermiT over them.

    owlready2 reads N-Triples, not Turtle; nothing has owl:imports, so nothing is fetched.
    xsd:date and xsd:gYear (dates in the data) are outside the OWL 2 datatype map, which HermiT
    otherwise refuses, hence ignore_unsupported_datatypes.
    """
    require_java()
    ntriples = tmp_path / "combined.nt"
    parse_turtle(paths).serialize(ntriples, format="nt", encoding="utf-8")
    world = owlready2.World()
    world.get_ontology(ntriples.as_uri()).load()
    owlready2.sync_reasoner(
        world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
    )
    return world


def unsatisfiable_classes(world: owlready2.World) -> list[str]:
    """IRIs of the named classes HermiT found equivalent to owl:Nothing (itself excluded)."""
    return sorted(cls.iri for cls in world.inconsistent_classes() if cls is not owlready2.Nothing)


def is_consistent(paths: Iterable[Path], tmp_path: Path) -> bool:
    try:
        reason(paths, tmp_path).close()
    except owlready2.OwlReadyInconsistentOntologyError:
        return False
    return True


def inconsistent_data_files(tmp_path: Path) -> list[str]:
    """The data files that are inconsistent with the ontology on their own."""
    return [
        str(path.relative_to(ROOT))
        for path in data_files()
        if not is_consistent([*ONTOLOGY_FILES, path], tmp_path)
    ]


def owl2_dl_violations(paths: Iterable[Path], tmp_path: Path) -> list[str]:
    """OWL API's OWL 2 DL profile violations of the merged files (read as RDF/XML)."""
    require_java()
    rdfxml = tmp_path / "merged.owl"
    parse_turtle(paths).serialize(rdfxml, format="xml", encoding="utf-8")
    source = tmp_path / "DlProfileCheck.java"
    source.write_text(DL_PROFILE_CHECK_JAVA, encoding="utf-8")
    hermit_jar = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"
    result = subprocess.run(
        [owlready2.JAVA_EXE, "-cp", str(hermit_jar), str(source), str(rdfxml)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0 and "CHECKED" in result.stdout, result.stderr[-3000:]
    return [line for line in result.stdout.splitlines() if line.startswith("VIOLATION")]


def select_rows(graph: rdflib.Graph, query_path: Path) -> list[tuple[str, ...]]:
    result = graph.query(query_path.read_text(encoding="utf-8"))
    return [tuple(str(value) for value in row) for row in result]


def contract_text() -> str:
    return MODEL_DOC.read_text(encoding="utf-8")


def contract_terms() -> set[rdflib.URIRef]:
    return {
        rdflib.URIRef(PREFIXES[prefix] + name)
        for prefix, name in CONTRACT_TERM.findall(contract_text())
    }


def contract_individuals() -> dict[rdflib.URIRef, rdflib.URIRef]:
    """Each individual the contract lists, with the class it belongs to."""
    section = contract_text().split(INDIVIDUALS_HEADING, 1)[1].split("\n\n", 1)[0]
    items = re.split(r"\n- ", "\n" + section.strip())
    individuals = {}
    for item in filter(None, items):
        class_name = re.match(r"aqkg:(\w+):", item)
        assert class_name, f"cannot read the individuals bullet {item!r}"
        for name in BACKTICKED_AQKG_NAME.findall(item):
            individuals[AQKG[name]] = AQKG[class_name.group(1)]
    return individuals


def declared_kinds(graph: rdflib.Graph, term: rdflib.URIRef) -> set[rdflib.URIRef]:
    return {kind for kind in graph.objects(term, RDF.type) if kind in ENTITY_KINDS}


def qc_queries() -> list[Path]:
    """The qc queries that read one merged graph; those tagged `build` need the named graphs
    of a built store and are tested in test_curation.py."""
    return [p for p in sorted(QC_DIR.glob("*-violation.rq")) if "build" not in read_query(p).tags]


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return parse_turtle([ONTOLOGY])


@pytest.fixture(scope="module")
def ontology_and_data() -> rdflib.Graph:
    return parse_turtle([*ONTOLOGY_FILES, *data_files()])


# --- (a) parsing and the term contract ----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "iri"),
    [
        (ONTOLOGY, "https://w3id.org/aqkg/ontology"),
        (ALIGNMENTS, "https://w3id.org/aqkg/alignments"),
    ],
    ids=["aqkg", "alignments"],
)
def test_file_parses_with_its_ontology_header(path: Path, iri: str) -> None:
    graph = parse_turtle([path])
    assert list(graph.subjects(RDF.type, OWL.Ontology)) == [rdflib.URIRef(iri)]
    assert not list(graph.objects(None, OWL.imports)), "no owl:imports: nothing may be fetched"


def test_ontology_header_has_version_licence_and_creator(ontology: rdflib.Graph) -> None:
    header = rdflib.URIRef("https://w3id.org/aqkg/ontology")
    assert ontology.value(header, OWL.versionIRI) == rdflib.URIRef(
        "https://w3id.org/aqkg/ontology/0.1.0"
    )
    assert ontology.value(header, DCTERMS.license) == rdflib.URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    for annotation in (OWL.versionInfo, DCTERMS.creator, DCTERMS.title, DCTERMS.description):
        assert ontology.value(header, annotation) is not None, f"header lacks {annotation}"


@pytest.mark.parametrize(
    "query_name", ["term-without-label-violation", "term-without-definition-violation"]
)
def test_every_ontology_term_has_one_english_label_and_definition(
    ontology: rdflib.Graph, query_name: str
) -> None:
    rows = select_rows(ontology, QC_DIR / f"{query_name}.rq")
    assert rows == [], f"terms failing {query_name}: {rows}"


def test_every_term_of_the_contract_is_declared(ontology: rdflib.Graph) -> None:
    missing = sorted(str(t) for t in contract_terms() if not declared_kinds(ontology, t))
    assert missing == [], f"in docs/model.md but not declared in ontology/aqkg.ttl: {missing}"


def test_ontology_declares_no_aqkg_term_outside_the_contract(ontology: rdflib.Graph) -> None:
    declared = {
        term
        for kind in ENTITY_KINDS
        for term in ontology.subjects(RDF.type, kind)
        if isinstance(term, rdflib.URIRef) and term.startswith(str(AQKG))
    }
    extra = sorted(str(term) for term in declared - contract_terms())
    assert extra == [], f"add these to docs/model.md first: {extra}"


def test_contract_names_have_the_kind_their_case_says(ontology: rdflib.Graph) -> None:
    wrong = []
    for term in contract_terms():
        if not term.startswith(str(AQKG)):
            continue
        name = term.removeprefix(str(AQKG))
        expected = (OWL.Class, OWL.NamedIndividual) if name[0].isupper() else PROPERTY_KINDS
        if not declared_kinds(ontology, term) & set(expected):
            wrong.append(name)
    assert wrong == [], (
        f"UpperCamelCase names a class or individual, lowerCamelCase a property: {wrong}"
    )


def test_contract_individuals_belong_to_their_class(ontology: rdflib.Graph) -> None:
    individuals = contract_individuals()
    assert len(individuals) >= 19
    wrong = [
        str(individual)
        for individual, cls in individuals.items()
        if (individual, RDF.type, cls) not in ontology
        or (individual, RDF.type, OWL.NamedIndividual) not in ontology
    ]
    assert wrong == [], f"not typed owl:NamedIndividual and their contract class: {wrong}"


# --- (b) consistency (HermiT) -------------------------------------------------------------------


def test_ontology_alignments_and_all_data_are_consistent(tmp_path: Path) -> None:
    files = [*ONTOLOGY_FILES, *data_files()]
    try:
        world = reason(files, tmp_path)
    except owlready2.OwlReadyInconsistentOntologyError:
        culprits = inconsistent_data_files(tmp_path)
        pytest.fail(
            "HermiT: the ontology with data/ is inconsistent; data files inconsistent on their"
            f" own: {culprits or 'none (the clash needs several files together)'}"
        )
    unsatisfiable = unsatisfiable_classes(world)
    world.close()
    assert unsatisfiable == [], f"unsatisfiable classes: {unsatisfiable}"


@pytest.mark.parametrize(
    "contradiction",
    [
        "ex:thing a aqkg:Qualification , aqkg:CompetencyUnit .",
        "ex:framework a aqkg:NationalQualificationsFramework , aqkg:RegionalReferenceFramework .",
        "ex:record a aqkg:Occupation ; aqkg:curationStatus aqkg:Verified , aqkg:Illustrative .",
        "ex:unit a aqkg:CompetencyUnit ; aqkg:hasLevel ex:level .",
    ],
    ids=["disjoint-classes", "disjoint-subclasses", "two-curation-statuses", "domain-clash"],
)
def test_reasoner_detects_a_contradiction(tmp_path: Path, contradiction: str) -> None:
    fictional = write_fictional(tmp_path, contradiction)
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        reason([*ONTOLOGY_FILES, fictional], tmp_path).close()


def test_reasoner_reports_an_unsatisfiable_class(tmp_path: Path) -> None:
    chimera = "ex:Chimera a owl:Class ; rdfs:subClassOf aqkg:Qualification , aqkg:CompetencyUnit ."
    fictional = write_fictional(tmp_path, chimera)
    world = reason([*ONTOLOGY_FILES, fictional], tmp_path)
    unsatisfiable = unsatisfiable_classes(world)
    world.close()
    assert unsatisfiable == ["http://example.org/fictional/Chimera"]


# --- (c) OWL 2 DL and QC queries ----------------------------------------------------------------


@pytest.mark.parametrize("path", ONTOLOGY_FILES, ids=["aqkg", "alignments"])
def test_ontology_file_alone_is_owl2_dl(tmp_path: Path, path: Path) -> None:
    assert owl2_dl_violations([path], tmp_path) == []


def test_ontology_alignments_and_all_data_are_owl2_dl(tmp_path: Path) -> None:
    assert owl2_dl_violations([*ONTOLOGY_FILES, *data_files()], tmp_path) == []


def test_qc_queries_exist_with_headers() -> None:
    names = {path.stem for path in qc_queries()}
    assert {
        "undeclared-property-violation",
        "undeclared-class-violation",
        "term-without-label-violation",
        "term-without-definition-violation",
        "property-kind-violation",
    } <= names
    for path in qc_queries():
        query = read_query(path)
        assert query.summary and query.description, f"{path.name}: header incomplete"
        assert "qc" in query.tags, f"{path.name}: #+ tags must include qc"


@pytest.mark.parametrize("query_path", qc_queries(), ids=lambda path: path.stem)
def test_qc_query_returns_no_rows(ontology_and_data: rdflib.Graph, query_path: Path) -> None:
    rows = select_rows(ontology_and_data, query_path)
    assert rows == [], f"{query_path.name} over ontology/ and data/: {rows}"


@pytest.mark.parametrize(
    ("query_name", "bad_turtle", "reported"),
    [
        ("undeclared-property-violation", 'ex:x ex:colour "red" .', "colour"),
        ("undeclared-class-violation", "ex:x a ex:Gadget .", "Gadget"),
        (
            "term-without-label-violation",
            'aqkg:Orphan a owl:Class ; skos:definition "o"@en .',
            "Orphan",
        ),
        (
            "term-without-definition-violation",
            'aqkg:Orphan a owl:Class ; rdfs:label "o"@en .',
            "Orphan",
        ),
        ("property-kind-violation", 'ex:q aqkg:hasLevel "5" .', "hasLevel"),
        ("property-kind-violation", "ex:q aqkg:rank ex:five .", "rank"),
    ],
)
def test_qc_query_catches_a_bad_example(
    tmp_path: Path, query_name: str, bad_turtle: str, reported: str
) -> None:
    graph = parse_turtle([ONTOLOGY, write_fictional(tmp_path, bad_turtle)])
    rows = select_rows(graph, QC_DIR / f"{query_name}.rq")
    assert any(row[0].endswith(reported) for row in rows), rows
