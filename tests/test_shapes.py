"""The SHACL shapes, checked against their example pairs (tests/shapes/<area>/{valid,invalid}/).

Each invalid example's first line names the one (constraint component, shape) pair it must
trigger: ``# expect: sh:MinCountConstraintComponent aqkgsh:Qualification-level``. Valid examples
produce no result at all. Every constraint in shapes/ has at least one invalid example, and
every shape is documented for the people who read the reports.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from aqkg import paths
from aqkg.validation import shapes as shacl

EXAMPLES = Path(__file__).parent / "shapes"
AQKGSH = Namespace("https://w3id.org/aqkg/shapes#")
PREFIXES = {"sh": str(SH), "aqkgsh": str(AQKGSH)}
SEVERITIES = {SH.Violation, SH.Warning, SH.Info}
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)

# SHACL parameters that each make one constraint component (sh:qualifiedValueShape, sh:flags
# and sh:ignoredProperties only qualify another parameter).
PARAMETERS = [
    "class",
    "datatype",
    "nodeKind",
    "minCount",
    "maxCount",
    "minExclusive",
    "minInclusive",
    "maxExclusive",
    "maxInclusive",
    "minLength",
    "maxLength",
    "pattern",
    "languageIn",
    "uniqueLang",
    "equals",
    "disjoint",
    "lessThan",
    "lessThanOrEquals",
    "not",
    "and",
    "or",
    "xone",
    "node",
    "qualifiedMinCount",
    "qualifiedMaxCount",
    "closed",
    "hasValue",
    "in",
    "sparql",
]

Pair = tuple[URIRef, URIRef]


def component_of(parameter: str) -> URIRef:
    name = "SPARQL" if parameter == "sparql" else parameter[0].upper() + parameter[1:]
    return SH[f"{name}ConstraintComponent"]


def examples(kind: str) -> list[Path]:
    return sorted(EXAMPLES.glob(f"*/{kind}/*.ttl"))


def example_id(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.stem}"


def expected_pair(path: Path) -> Pair:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path}: first line is not '# expect: ...'"
    component, shape = first.removeprefix("# expect: ").split()
    return expand(component), expand(shape)


def expand(prefixed: str) -> URIRef:
    prefix, _, local = prefixed.partition(":")
    return URIRef(PREFIXES[prefix] + local)


def result_pairs(report: Graph) -> list[Pair]:
    pairs = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        component = report.value(result, SH.sourceConstraintComponent)
        shape = report.value(result, SH.sourceShape)
        assert isinstance(component, URIRef) and isinstance(shape, URIRef), (component, shape)
        pairs.append((component, shape))
    return pairs


def targeted_shapes(shapes: Graph) -> set[Node]:
    return {shape for target in TARGETS for shape in shapes.subjects(target, None)}


def constraints(shapes: Graph) -> set[Pair]:
    """Every (component, shape) pair a report can name: targeted shapes and their properties."""
    pairs = set()
    for node_shape in targeted_shapes(shapes):
        for shape in [node_shape, *shapes.objects(node_shape, SH.property)]:
            assert isinstance(shape, URIRef), f"unnamed shape under {node_shape}"
            for parameter in PARAMETERS:
                if (shape, SH[parameter], None) in shapes:
                    pairs.add((component_of(parameter), shape))
    return pairs


def documented_shapes(shapes: Graph) -> set[Node]:
    named = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
        shapes.subjects(RDF.type, SH.PropertyShape)
    )
    return named | targeted_shapes(shapes) | set(shapes.objects(None, SH.property))


def short(node: Node) -> str:
    return str(node).replace(str(SH), "sh:").replace(str(AQKGSH), "aqkgsh:")


@pytest.fixture(scope="session")
def shapes() -> Graph:
    return shacl.load_shapes()


@pytest.fixture(scope="session")
def ontology() -> Graph:
    """The ontology's class structure: with inference off, SHACL reads nothing else from it.

    Mixing the whole ontology into each example would triple the time the examples take.
    """
    full = shacl.load_ontology()
    structure = Graph()
    for predicate in (RDF.type, RDFS.subClassOf):
        for triple in full.triples((None, predicate, None)):
            structure.add(triple)
    return structure


def validate(path: Path, shapes: Graph, ontology: Graph) -> tuple[bool, Graph]:
    data = Graph().parse(path, format="turtle")
    return shacl.run_shacl(data, shapes=shapes, ontology=ontology)


@pytest.mark.parametrize("path", examples("valid"), ids=example_id)
def test_valid_example_has_no_result(path: Path, shapes: Graph, ontology: Graph) -> None:
    conforms, report = validate(path, shapes, ontology)
    assert result_pairs(report) == [], report.serialize(format="turtle")
    assert conforms


@pytest.mark.parametrize("path", examples("invalid"), ids=example_id)
def test_invalid_example_triggers_exactly_its_constraint(
    path: Path, shapes: Graph, ontology: Graph
) -> None:
    expected = expected_pair(path)
    assert expected in constraints(shapes), f"{path}: expects an unknown constraint {expected}"
    _, report = validate(path, shapes, ontology)
    found = result_pairs(report)
    assert found, f"{path}: nothing reported, expected {short(expected[0])} {short(expected[1])}"
    unexpected = sorted({f"{short(c)} {short(s)}" for c, s in found if (c, s) != expected})
    assert not unexpected, f"{path}: also reported {unexpected}"


def test_every_constraint_has_an_invalid_example(shapes: Graph) -> None:
    covered = {expected_pair(path) for path in examples("invalid")}
    uncovered = sorted(f"{short(c)} {short(s)}" for c, s in constraints(shapes) - covered)
    assert not uncovered, "constraints without an invalid example:\n" + "\n".join(uncovered)


def test_every_area_has_valid_and_invalid_examples() -> None:
    areas = {path.stem for path in paths.shapes_dir().glob("*.ttl")}
    for kind in ("valid", "invalid"):
        missing = areas - {path.parent.parent.name for path in examples(kind)}
        assert not missing, f"areas without {kind} examples: {sorted(missing)}"


@pytest.mark.parametrize("path", examples("valid") + examples("invalid"), ids=example_id)
def test_example_says_it_is_fictional(path: Path) -> None:
    header = path.read_text(encoding="utf-8").splitlines()[:3]
    assert any("fictional" in line.lower() for line in header if line.startswith("#")), path


def test_every_shape_is_documented(shapes: Graph) -> None:
    problems = []
    for shape in sorted(documented_shapes(shapes), key=str):
        for field in (SH.name, SH.description, SH.message):
            if not any(
                isinstance(text, Literal) and text.language == "en"
                for text in shapes.objects(shape, field)
            ):
                problems.append(f"{short(shape)}: no {short(field)}@en")
        if shapes.value(shape, SH.severity) not in SEVERITIES:
            problems.append(f"{short(shape)}: no sh:severity")
    assert not problems, "\n".join(problems)


def test_each_sparql_rule_has_its_own_shape(shapes: Graph) -> None:
    """A SPARQL rule is reported under its shape, so a shape holds one rule and documents it."""
    for shape in set(shapes.subjects(SH.sparql, None)):
        assert len(list(shapes.objects(shape, SH.sparql))) == 1, short(shape)
        assert not list(shapes.objects(shape, SH.property)), short(shape)


def test_property_shapes_are_used(shapes: Graph) -> None:
    unused = set(shapes.subjects(RDF.type, SH.PropertyShape)) - set(
        shapes.objects(None, SH.property)
    )
    assert not unused, sorted(map(short, unused))


def test_warnings_do_not_fail_conformance() -> None:
    """Through run_shacl's defaults: the shapes and the whole ontology from the project."""
    warning_only = EXAMPLES / "provenance" / "invalid" / "source-without-year.ttl"
    conforms, report = shacl.run_shacl(Graph().parse(warning_only, format="turtle"))
    assert (None, SH.resultSeverity, SH.Warning) in report
    assert conforms
    violation = EXAMPLES / "curation" / "invalid" / "real-record-without-source.ttl"
    conforms, _ = shacl.run_shacl(Graph().parse(violation, format="turtle"))
    assert not conforms
