"""The compiled validator (shacl_compile + shacl_engine) gives exactly pySHACL's results.

Each case runs both on the same N-Triples (the bytes validate hands to pySHACL) and compares
every result: focus node, result path, value, source shape, constraint component, severity
and the set of messages. Literals are compared with their datatype and language.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from aqkg.build.synth import write
from aqkg.intake.project_files import load_project_files
from aqkg.intake.rdf_input import parse_triples, to_rdflib
from aqkg.validation import engine as shacl_engine
from aqkg.validation import shapes as shacl
from aqkg.validation.compile import Check, SparqlRule, UnsupportedShapeError, compile_shapes
from aqkg.validation.validate import validate_triples
from aqkg.validation.values import Term, quiet_rdflib
from aqkg.validation.values import to_rdflib as term_to_rdflib

EXAMPLES = Path(__file__).parent / "shapes"
TermKey = tuple[str, ...]
ResultKey = tuple[TermKey, str | None, TermKey | None, str, str, str, frozenset[str]]


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return shacl.load_shapes()


@pytest.fixture(scope="module")
def checks(shapes: Graph) -> list[Check]:
    return compile_shapes(shapes)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    """The ontology's class structure, as tests/test_shapes.py gives pySHACL (for speed)."""
    structure = Graph()
    full = shacl.load_ontology()
    for predicate in (RDF.type, RDFS.subClassOf):
        for triple in full.triples((None, predicate, None)):
            structure.add(triple)
    return structure


def rdflib_key(node: Node) -> TermKey:
    if isinstance(node, URIRef):
        return ("iri", str(node))
    if isinstance(node, Literal):
        datatype = node.datatype or (RDF.langString if node.language else XSD.string)
        return ("literal", str(node), str(datatype), node.language or "")
    return ("bnode",)


def ox_key(term: Term) -> TermKey:
    """The engine reports literals as written; pySHACL as rdflib reads them ("01" is "1")."""
    if isinstance(term, ox.Literal):
        with quiet_rdflib():
            return rdflib_key(term_to_rdflib(term))
    return rdflib_key(term_to_rdflib(term))


def pyshacl_results(data: bytes, shapes: Graph, ontology: Graph) -> set[ResultKey]:
    _, report = shacl.run_shacl(to_rdflib(data), shapes=shapes, ontology=ontology)
    results = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        results.add(
            (
                rdflib_key(report.value(result, SH.focusNode)),
                None if path is None else "(blank node)" if isinstance(path, BNode) else str(path),
                None if value is None else rdflib_key(value),
                str(report.value(result, SH.sourceShape)),
                str(report.value(result, SH.sourceConstraintComponent)),
                str(report.value(result, SH.resultSeverity)),
                frozenset(str(m) for m in report.objects(result, SH.resultMessage)),
            )
        )
    return results


def engine_results(data: bytes, checks: list[Check], ontology: Graph) -> set[ResultKey]:
    store = shacl_engine.DataStore()
    structure = ontology.serialize(format="nt", encoding="utf-8")
    for ntriples in (data, structure):
        quads = ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)
        shacl_engine.add_triples(
            store, (ox.Triple(q.subject, q.predicate, q.object) for q in quads)
        )
    return {
        (
            ox_key(r.focus),
            r.path,
            None if r.value is None else ox_key(r.value),
            r.shape.node,
            r.component,
            r.shape.severity,
            frozenset(r.messages),
        )
        for r in shacl_engine.run_checks(store, checks)
    }


def assert_same_results(data: bytes, shapes: Graph, checks: list[Check], ontology: Graph) -> int:
    expected = pyshacl_results(data, shapes, ontology)
    try:
        found = engine_results(data, checks, ontology)
    except UnsupportedShapeError:
        # The data holds literals the store would rewrite ("01"^^xsd:integer, "2"^^xsd:byte):
        # SPARQL constraints that compare values are refused then (validate falls back to
        # pySHACL, see test_validate_triples_falls_back); every other check still agrees.
        plain = [c for c in checks if not isinstance(c.rule, SparqlRule)]
        found = engine_results(data, plain, ontology)
        sparql = str(SH.SPARQLConstraintComponent)
        expected = {r for r in expected if r[4] != sparql}
    missing, extra = sorted(expected - found, key=str), sorted(found - expected, key=str)
    assert not missing and not extra, f"missing {missing[:3]}\nextra {extra[:3]}"
    return len(expected)


def ntriples_of(path: Path) -> bytes:
    return ox.serialize(parse_triples(path), format=ox.RdfFormat.N_TRIPLES) or b""


@pytest.mark.parametrize(
    "path",
    sorted(EXAMPLES.glob("*/invalid/*.ttl")),
    ids=lambda p: f"{p.parent.parent.name}/{p.stem}",
)
def test_invalid_example_same_as_pyshacl(
    path: Path, shapes: Graph, checks: list[Check], ontology: Graph
) -> None:
    assert assert_same_results(ntriples_of(path), shapes, checks, ontology) > 0


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*/valid/*.ttl")), ids=lambda p: p.stem)
def test_valid_example_has_no_result(path: Path, checks: list[Check], ontology: Graph) -> None:
    try:
        assert engine_results(ntriples_of(path), checks, ontology) == set()
    except UnsupportedShapeError:  # a non-canonical literal: see assert_same_results
        plain = [c for c in checks if not isinstance(c.rule, SparqlRule)]
        assert engine_results(ntriples_of(path), plain, ontology) == set()


# Literals pySHACL reads through rdflib: ill-typed, non-canonical, language-tagged, out of
# range; class constraints on literals; duplicate languages; SPARQL messages with {?var}.
EDGE_CASES = """
@base <https://w3id.org/aqkg/id/> .
@prefix aqkg: <https://w3id.org/aqkg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<source/s> a aqkg:SourceDocument ; dcterms:title 12 ; dcterms:publisher "P"@en ;
    dcterms:issued "2019-13-45"^^xsd:date , "2020"^^xsd:gYear ; aqkg:url "ftp://x"^^xsd:anyURI .
<country/XX> a aqkg:MemberState ; skos:prefLabel "X"@EN , "Y"@en , "Z"@fr ;
    skos:notation "xx" , "XX\\n" ; aqkg:iso3166Alpha3 "XXX"@en ;
    dcterms:source <source/s> , "not a source" ; aqkg:curationStatus aqkg:Illustrative .
<framework/XX/F> a aqkg:NationalQualificationsFramework ; skos:prefLabel "F"@en-GB ;
    aqkg:memberState <country/XX> ; aqkg:frameworkStatus aqkg:FrameworkInForce ;
    aqkg:levelCount "007"^^xsd:integer , "eight"^^xsd:integer ;
    dcterms:source <source/s> ; aqkg:curationStatus "Verified" .
<level/XX/F-1> a aqkg:FrameworkLevel ; skos:prefLabel "L1"@en ; aqkg:inFramework <framework/XX/F> ;
    aqkg:rank "01"^^xsd:integer ; skos:notation "1" ; dcterms:source <source/s> ;
    aqkg:curationStatus aqkg:Illustrative .
<level/XX/F-2> a aqkg:FrameworkLevel ; skos:prefLabel "L2" ; aqkg:inFramework <framework/XX/F> ;
    aqkg:rank 1 , 0.5 ; skos:notation "1" ; dcterms:source <source/s> ;
    aqkg:curationStatus aqkg:Illustrative .
<mapping/m> a aqkg:MappingRecord ; skos:prefLabel "m"@en ; aqkg:mappingSubject <level/XX/F-1> ;
    aqkg:mappingObject "q" ; aqkg:mappingPredicate aqkg:ExactMatch ;
    aqkg:mappingJustification aqkg:LexicalMatching ; aqkg:confidence "1.50"^^xsd:decimal , 1.0e0 ;
    aqkg:mappingAuthor "a" ; aqkg:mappingDate "2020-02-30"^^xsd:date ;
    dcterms:source <source/s> ; aqkg:curationStatus aqkg:Illustrative .
<occupation/o> a aqkg:Occupation ; skos:prefLabel "o"@en ; aqkg:escoOccupation "x" ,
    <http://data.europa.eu/esco/occupation/ABC> ; dcterms:source <source/s> ;
    aqkg:curationStatus aqkg:Illustrative .
"""


def test_edge_cases_same_as_pyshacl(
    shapes: Graph, checks: list[Check], ontology: Graph, tmp_path: Path
) -> None:
    path = tmp_path / "edge.ttl"
    path.write_text(EDGE_CASES, encoding="utf-8")
    assert assert_same_results(ntriples_of(path), shapes, checks, ontology) > 20


def test_shipped_data_same_as_pyshacl(shapes: Graph, checks: list[Check], ontology: Graph) -> None:
    context = load_project_files()
    data = context.dump_ntriples(context.graph_names())
    assert_same_results(data, shapes, checks, ontology)


# one seed: each run is the whole seed closure (~12k triples) through pySHACL, ~50 s; the
# shipped data, the edge cases and the typed literals above cover the rest
@pytest.mark.parametrize("seed", [1])
def test_synth_with_violations_same_as_pyshacl(
    seed: int, shapes: Graph, checks: list[Check], ontology: Graph, tmp_path: Path
) -> None:
    path = tmp_path / "synth.nt"
    write(path, 6_000, seed=seed, violation_rate=0.2)
    assert assert_same_results(path.read_bytes(), shapes, checks, ontology) > 0


def test_validate_triples_engines_agree(tmp_path: Path) -> None:
    path = tmp_path / "synth.nt"
    write(path, 3_000, seed=4, violation_rate=0.3)
    context = load_project_files()
    compiled = validate_triples(parse_triples(path), context, [str(path)])
    reference = validate_triples(parse_triples(path), context, [str(path)], engine="pyshacl")
    assert compiled.findings == reference.findings
    assert compiled.findings


# Typed literals as written: pyoxigraph would store every one of these as another term (an
# integer subtype as xsd:integer, "02" as "2", dateTimeStamp as dateTime); ill-typed ones; every
# XSD numeric and date subtype on the project's datatype constraints (rank: xsd:integer,
# confidence: xsd:decimal, dates, gYear).
TYPED_RANKS = [
    '"2"^^xsd:byte',
    '"2"^^xsd:short',
    '"2"^^xsd:int',
    '"2"^^xsd:long',
    '"2"^^xsd:positiveInteger',
    '"2"^^xsd:nonNegativeInteger',
    '"2"^^xsd:unsignedByte',
    '"2"^^xsd:unsignedInt',
    '"2"^^xsd:unsignedLong',
    '"-2"^^xsd:negativeInteger',
    '"0"^^xsd:nonPositiveInteger',
    '"2.0"^^xsd:decimal',
    '"2"^^xsd:double',
    '"2"^^xsd:float',
    '"02"^^xsd:integer',
    '"+2"^^xsd:integer',
    '"abc"^^xsd:integer',
    '"2.5"^^xsd:integer',
    '"2"^^xsd:string',
    '"2"@en',
    '"2020-01-01"^^xsd:date',
    '"2020-01-01T00:00:00Z"^^xsd:dateTimeStamp',
    '"2020-01-01T00:00:00"^^xsd:dateTime',
    '"2020"^^xsd:gYear',
    '"P2Y"^^xsd:duration',
    '"true"^^xsd:boolean',
]


@pytest.fixture(scope="module")
def ph_framework() -> str:
    return (Path(__file__).parent.parent / "data/countries/ph/nqf.ttl").read_text(encoding="utf-8")


@pytest.mark.parametrize("rank", TYPED_RANKS)
def test_typed_rank_same_as_pyshacl(
    rank: str,
    ph_framework: str,
    shapes: Graph,
    checks: list[Check],
    ontology: Graph,
    tmp_path: Path,
) -> None:
    """A PH level whose rank is written with another datatype: every result (the sh:datatype
    xsd:integer violation, or none for "02" and "+2") exactly as pySHACL reports it."""
    assert "aqkg:rank 2 ;" in ph_framework
    path = tmp_path / "ph.ttl"
    path.write_text(ph_framework.replace("aqkg:rank 2 ;", f"aqkg:rank {rank} ;"), "utf-8")
    assert_same_results(ntriples_of(path), shapes, checks, ontology)


def test_byte_rank_is_a_violation_when_validating_files(ph_framework: str, tmp_path: Path) -> None:
    """The issue's case end to end: aqkg validate reports the datatype violation."""
    path = tmp_path / "ph.ttl"
    path.write_text(ph_framework.replace("aqkg:rank 2 ;", 'aqkg:rank "2"^^xsd:byte ;'), "utf-8")
    report = validate_triples(parse_triples(path), load_project_files(), [str(path)])
    assert any(f.component == "DatatypeConstraintComponent" for f in report.findings)


def test_unique_lang_one_result_per_language(tmp_path: Path) -> None:
    """sh:uniqueLang: a result per language tag used twice, not one per focus node."""
    shapes = Graph().parse(
        data="@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> . "
        "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:label ; sh:uniqueLang true ] .",
        format="turtle",
    )
    data = shacl_engine.DataStore()
    triples = ox.parse(
        b'<http://example.org/a> <http://example.org/label> "x"@en, "y"@EN, "z"@fr, "w"@fr, '
        b'"v"@de .',
        format=ox.RdfFormat.TURTLE,
    )
    shacl_engine.add_triples(data, (ox.Triple(q.subject, q.predicate, q.object) for q in triples))
    results = shacl_engine.run_checks(data, compile_shapes(shapes))
    assert len(results) == 2


@pytest.mark.parametrize(
    "extra",
    [
        "aqkgsh:Qualification sh:rule [ a sh:TripleRule ] .",
        "aqkgsh:Qualification-level sh:target [ a sh:SPARQLTarget ] .",
        "aqkgsh:New a sh:NodeShape ; sh:targetNode aqkg:X ; sh:node aqkgsh:New2 . "
        "aqkgsh:New2 sh:node aqkgsh:New .",
        "aqkgsh:Qualification-level sh:js [ ] .",
        "aqkgsh:Custom a sh:ConstraintComponent ; sh:parameter [ sh:path aqkg:p ] .",
        "aqkgsh:New a sh:NodeShape ; sh:targetNode [ ] .",
    ],
)
def test_unsupported_construct_is_refused(shapes: Graph, extra: str) -> None:
    changed = Graph()
    for triple in shapes:
        changed.add(triple)
    changed.parse(
        data="@prefix sh: <http://www.w3.org/ns/shacl#> . "
        "@prefix aqkgsh: <https://w3id.org/aqkg/shapes#> . "
        f"@prefix aqkg: <https://w3id.org/aqkg/ontology#> . {extra}",
        format="turtle",
    )
    with pytest.raises(UnsupportedShapeError, match=r"sh:\w+|recursive|blank node"):
        compile_shapes(changed)


def test_sparql_rule_with_pre_bound_variable_is_refused(shapes: Graph) -> None:
    changed = Graph()
    for triple in shapes:
        changed.add(triple)
    constraint = next(changed.subjects(SH.select, None))
    changed.set((constraint, SH.select, Literal("SELECT $this WHERE { $this a $currentShape }")))
    with pytest.raises(UnsupportedShapeError, match="pre-bound"):
        compile_shapes(changed)


def test_deactivated_shape_same_as_pyshacl(shapes: Graph, ontology: Graph) -> None:
    changed = Graph()
    for triple in shapes:
        changed.add(triple)
    for name in ("Qualification-level", "RealWorldRecord-source", "FrameworkLevel-uniqueRank"):
        changed.add((URIRef(f"https://w3id.org/aqkg/shapes#{name}"), SH.deactivated, Literal(True)))
    data = b"".join(ntriples_of(p) for p in sorted(EXAMPLES.glob("*/invalid/*.ttl"))[:40])
    assert_same_results(data, changed, compile_shapes(changed), ontology)
