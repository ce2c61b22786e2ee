"""`aqkg synth`: a synthetic workload shaped like the real graph, for scale tests and benchmarks.

The shipped data (eleven member states, their NQFs and levels, the AQRF, RMCS, MRAs, corridors,
vocabularies) is the seed graph and is written first. It is then grown by bundles: a bundle is
a copy of one real qualification with its standard, its units and the mapping records that
touch those units (so mappings to RMCS units come along), every copied record renamed
(`.../qualification/TH/SYN7-DSD-BEW-L1`) and its labels and codes marked, so copies stay unique.
The seed picks which qualification each bundle copies: same seed, same bytes.

The graph grows by breadth, as the real one does: bundles come in *families* of
`family_size` bundles. A family stands for one more occupation field (a new sector's national
standards): every family after the first gets its own renamed copies of the occupations, the
ISCO-08 groups and the RMCS standards and units its bundles touch
(`.../occupation/ASEAN/SYNF3-bricklayer`, `.../unit/ASEAN/SYNF3-ILLUS-BRK-01`), so a regional
model unit is mapped from the units of a handful of national standards, never from thousands,
and an occupation is named by a handful of qualifications. The first family shares the real
occupations and RMCS with the shipped data. Frameworks, levels, countries, sectors and sources
stay shared by everything, as in the real graph. `family_size=0` puts every bundle in the first
family: today's worst case, where all copies share the eleven real occupations and every RMCS
unit is mapped from thousands of units.

Why FAMILY_SIZE = 10: a family is one field's national qualifications across the ten member
states, about one per country (the shipped data has eleven qualifications in two fields over
five countries). Bundles copy a random shipped qualification, so a family of ten holds about
two qualifications of each country that has any; one recognition question then sees none to a
few candidates per destination country (sharing an occupation, ISCO-08 group or RMCS unit; 0-7
at 1M triples, seed 1), as a real question would, where `family_size=0` gives about 560.

ISCO-08 copies: the shapes tie an ISCO group's IRI to its code (esco/isco/C + code, one to four
digits), so a synthetic group takes a code that ISCO-08 does not use (0400-0999: major group 0
has only 0110, 0210 and 0310), is labelled "(synthetic ISCO-08 group ...)" and keeps its real
group's parent. The 600 codes last 100 families (the shipped data reaches six ISCO groups),
about 200k triples; beyond that families share synthetic groups (about five share each at 1M
triples), much as real occupations share ISCO's 436 unit groups, so the candidates that only
share an ISCO group grow slowly with the graph.

With `violation_rate` r, a share r of the copied qualifications loses its aqkg:hasLevel, which
the shapes require (aqkgsh:Qualification-level): each such record gives one violation.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from aqkg.paths import GRAPH_BASE
from aqkg.progress import bar

AQKG = "https://w3id.org/aqkg/ontology#"
ID = "https://w3id.org/aqkg/id/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
ISCO = "http://data.europa.eu/esco/isco/C"
COPIED_KINDS = ("qualification", "standard", "unit", "mapping")
RENAMED_LITERALS = {SKOS + "prefLabel", SKOS + "notation", SKOS + "altLabel"}
HAS_LEVEL = ox.NamedNode(AQKG + "hasLevel")
QUALIFICATION = ox.NamedNode(AQKG + "Qualification")
SYNTH_GRAPH = GRAPH_BASE + "synth/"
FAMILY_SIZE = 10  # bundles per family (see the module docstring)
# Records a family gets its own copy of, and the links that lead from a bundle to them.
FAMILY_RECORDS = (ID + "occupation/", ID + "standard/ASEAN/", ID + "unit/ASEAN/", ISCO)
FAMILY_LINKS = {
    AQKG + p
    for p in ("forOccupation", "iscoGroup", "mappingSubject", "mappingObject", "partOfStandard")
} | {AQKG + "hasUnit"}
SYNTHETIC_ISCO = range(400, 1000)  # codes 0400-0999: unused by ISCO-08


@dataclass(frozen=True)
class _Seed:
    """The real data, indexed for copying bundles."""

    triples: list[ox.Triple]
    by_subject: dict[ox.NamedNode, list[ox.Triple]]
    qualifications: list[ox.NamedNode]
    mappings_of_unit: dict[ox.NamedNode, list[ox.NamedNode]]
    parts: dict[ox.NamedNode, list[ox.NamedNode]]


def _seed_graph() -> _Seed:
    from aqkg.intake.project_files import load_project_files, project_files

    data_files = [p for p in project_files() if "data" in p.parts]
    store = load_project_files(data_files)
    triples = sorted((q.triple for q in store.quads()), key=str)
    by_subject: dict[ox.NamedNode, list[ox.Triple]] = defaultdict(list)
    mappings_of_unit: dict[ox.NamedNode, list[ox.NamedNode]] = defaultdict(list)
    parts: dict[ox.NamedNode, list[ox.NamedNode]] = defaultdict(list)
    for t in triples:
        if not isinstance(t.subject, ox.NamedNode):
            continue
        by_subject[t.subject].append(t)
        if t.predicate.value == AQKG + "partOfStandard" and isinstance(t.object, ox.NamedNode):
            parts[t.object].append(t.subject)
        if t.predicate.value in (AQKG + "mappingSubject", AQKG + "mappingObject"):
            assert isinstance(t.subject, ox.NamedNode) and isinstance(t.object, ox.NamedNode)
            mappings_of_unit[t.object].append(t.subject)
    qualifications = sorted(
        {s for s, facts in by_subject.items() for t in facts if t.object == QUALIFICATION},
        key=str,
    )
    return _Seed(triples, dict(by_subject), qualifications, dict(mappings_of_unit), dict(parts))


def _kind(node: ox.NamedNode) -> str | None:
    if not node.value.startswith(ID):
        return None
    kind = node.value[len(ID) :].split("/", 1)[0]
    return kind if kind in COPIED_KINDS else None


def _bundle(seed: _Seed, qualification: ox.NamedNode) -> list[ox.NamedNode]:
    """The qualification, its standard(s), units and the mapping records touching the units."""
    records = [qualification]
    for t in seed.by_subject[qualification]:
        if t.predicate.value in (AQKG + "basedOnStandard", AQKG + "requiresUnit"):
            assert isinstance(t.object, ox.NamedNode)
            records.append(t.object)
    for standard in [r for r in records if _kind(r) == "standard"]:
        records += seed.parts.get(standard, [])
        records += [
            t.object
            for t in seed.by_subject.get(standard, [])
            if t.predicate.value == AQKG + "hasUnit" and isinstance(t.object, ox.NamedNode)
        ]
    for unit in [r for r in records if _kind(r) == "unit"]:
        records += seed.mappings_of_unit.get(unit, [])
    return list(dict.fromkeys(records))


def _family_records(seed: _Seed, bundle: list[ox.NamedNode]) -> list[ox.NamedNode]:
    """The shared records a bundle reaches (occupations, their ISCO groups, RMCS standards and
    all their units), which each family gets its own copy of, in a stable order."""
    members = set(bundle)
    found: dict[ox.NamedNode, None] = {}
    todo = list(bundle)
    while todo:
        for t in seed.by_subject.get(todo.pop(), []):
            target = t.object
            if (
                t.predicate.value in FAMILY_LINKS
                and isinstance(target, ox.NamedNode)
                and target.value.startswith(FAMILY_RECORDS)
                and target not in members
                and target not in found
                and not _regional_standard_record(seed, target)
            ):
                found[target] = None
                todo.append(target)
    return sorted(found, key=str)


def _regional_standard_record(seed: _Seed, node: ox.NamedNode) -> bool:
    """A regional competency standard (the ACCSTP) or one of its units: one standard for the
    whole region, like the AQRF, so every family shares the real one instead of copying it."""
    standards = [node] + [
        t.object
        for t in seed.by_subject.get(node, [])
        if t.predicate.value == AQKG + "partOfStandard" and isinstance(t.object, ox.NamedNode)
    ]
    regional = ox.NamedNode(AQKG + "RegionalCompetencyStandard")
    return any(
        t.predicate.value == RDF_TYPE and t.object == regional
        for standard in standards
        for t in seed.by_subject.get(standard, [])
    )


@dataclass(frozen=True)
class _Renaming:
    """How one copy names what it writes: its bundle's records by copy number, its family's
    records by family number (none for the first family, which uses the real ones)."""

    copy: int
    members: set[ox.NamedNode]
    family: int
    names: dict[ox.NamedNode, ox.NamedNode]

    def __call__(self, node: ox.NamedNode) -> ox.NamedNode:
        if node in self.members:
            head, _, code = node.value.rpartition("/")
            return ox.NamedNode(f"{head}/SYN{self.copy}-{code}")
        return self.names.get(node, node)

    def literal(self, record: ox.NamedNode, predicate: str, value: ox.Literal) -> ox.Literal:
        """A copied label or code, marked as synthetic."""
        if predicate not in RENAMED_LITERALS:
            return value
        if record in self.members:
            mark, prefix = f"synthetic {self.copy}", f"SYN{self.copy}-"
        elif record.value.startswith(ISCO):
            # The shapes tie an ISCO group's code to its IRI: the new code, as it is.
            code = self(record).value[len(ISCO) :]
            if predicate == SKOS + "notation":
                return ox.Literal(code)
            mark, prefix = f"synthetic ISCO-08 group {code}", ""
        else:
            mark, prefix = f"synthetic family {self.family}", f"SYNF{self.family}-"
        text = (
            f"{prefix}{value.value}"
            if predicate == SKOS + "notation"
            else f"{value.value} ({mark})"
        )
        return ox.Literal(text, language=value.language, datatype=value.datatype)


def _family_names(
    records: list[ox.NamedNode], family: int, isco: dict[ox.NamedNode, int]
) -> dict[ox.NamedNode, ox.NamedNode]:
    """Family `family`'s names for shared records (`isco`: each real ISCO group's number)."""
    if family == 0:
        return {}
    names = {}
    for node in records:
        if node.value.startswith(ISCO):
            names[node] = ox.NamedNode(ISCO + _isco_code(family, isco[node], len(isco)))
        else:
            head, _, code = node.value.rpartition("/")
            names[node] = ox.NamedNode(f"{head}/SYNF{family}-{code}")
    return names


def _isco_code(family: int, group: int, groups: int) -> str:
    """A synthetic code for a family's copy of the `group`-th real ISCO group: each code always
    copies the same real group, so families that share a code write the same triples."""
    slots = len(SYNTHETIC_ISCO) // groups
    return f"{SYNTHETIC_ISCO[(family - 1) % slots * groups + group]:04d}"


def _copy(
    seed: _Seed, records: list[ox.NamedNode], rename: _Renaming, broken: bool = False
) -> Iterator[ox.Triple]:
    """The records' triples under their new names; `broken` drops the first one's level."""
    for record in records:
        subject = rename(record)
        for t in seed.by_subject.get(record, []):
            if broken and t.predicate == HAS_LEVEL and record == records[0]:
                continue
            obj = t.object
            if isinstance(obj, ox.NamedNode):
                obj = rename(obj)
            elif isinstance(obj, ox.Literal):
                obj = rename.literal(record, t.predicate.value, obj)
            yield ox.Triple(subject, t.predicate, obj)


def _check(violation_rate: float, family_size: int) -> None:
    if not 0.0 <= violation_rate <= 1.0:
        raise ValueError("violation_rate is a share between 0 and 1")
    if family_size < 0:
        raise ValueError("family_size is a number of bundles, 0 or more")


def generate(
    triples: int, seed: int = 1, violation_rate: float = 0.0, family_size: int = FAMILY_SIZE
) -> Iterator[ox.Triple]:
    """About `triples` triples (at least the shipped data): the real data, then copied bundles
    in families of `family_size` (0: one family sharing the real records; see module doc)."""
    _check(violation_rate, family_size)
    real = _seed_graph()
    bundles = {q: _bundle(real, q) for q in real.qualifications}
    shared = {q: _family_records(real, b) for q, b in bundles.items()}
    isco_groups = sorted(
        {n for r in shared.values() for n in r if n.value.startswith(ISCO)}, key=str
    )
    isco = {node: n for n, node in enumerate(isco_groups)}
    chooser = random.Random(seed)
    written = 0
    for t in real.triples:
        yield t
        written += 1
    copy = 0
    # Copies of shared records written so far (synthetic ISCO groups may serve several
    # families, so these are kept for the whole run: a few thousand IRIs at 10M triples).
    written_shared: set[ox.NamedNode] = set()
    while written < triples:
        copy += 1
        family = (copy - 1) // family_size if family_size else 0
        qualification = chooser.choice(real.qualifications)
        broken = chooser.random() < violation_rate
        names = _family_names(shared[qualification], family, isco)
        # A family writes its copy of a shared record with the first bundle that reaches it.
        new = [r for r in shared[qualification] if r in names and names[r] not in written_shared]
        written_shared.update(names[r] for r in new)
        rename = _Renaming(copy, set(bundles[qualification]), family, names)
        for t in _copy(real, new, rename):
            yield t
            written += 1
        for t in _copy(real, bundles[qualification], rename, broken):
            yield t
            written += 1


def write(
    path: Path,
    triples: int,
    seed: int = 1,
    violation_rate: float = 0.0,
    family_size: int = FAMILY_SIZE,
) -> int:
    """Write the workload as N-Triples; returns the number of triples written."""
    _check(violation_rate, family_size)  # before the file is opened
    count = 0
    with path.open("wb") as out, bar(triples, "aqkg synth", unit="triple") as progress:
        batch: list[ox.Triple] = []
        for t in generate(triples, seed, violation_rate, family_size):
            batch.append(t)
            if len(batch) == 100_000:
                out.write(ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES) or b"")
                count += len(batch)
                progress.update(len(batch))
                batch = []
        out.write(ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES) or b"")
        count += len(batch)
    return count
