"""`aqkg synth`: a synthetic workload shaped like the real graph, for scale tests and benchmarks.

The shipped data (ten member states, their NQFs and levels, the AQRF, RMCS, MRAs, corridors,
vocabularies) is the seed graph and is written first. It is then grown by bundles: a bundle is
a copy of one real qualification with its standard, its units and the mapping records that
touch those units (so mappings to RMCS units come along), every copied record renamed
(`.../qualification/TH/SYN7-DSD-BEW-L1`) and its labels and codes marked, so copies stay unique.
Frameworks, levels, countries, occupations and sources are shared, as in the real graph. The
seed picks which qualification each bundle copies: same seed, same bytes.

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
COPIED_KINDS = ("qualification", "standard", "unit", "mapping")
RENAMED_LITERALS = {SKOS + "prefLabel", SKOS + "notation", SKOS + "altLabel"}
HAS_LEVEL = ox.NamedNode(AQKG + "hasLevel")
QUALIFICATION = ox.NamedNode(AQKG + "Qualification")
SYNTH_GRAPH = GRAPH_BASE + "synth/"


@dataclass(frozen=True)
class _Seed:
    """The real data, indexed for copying bundles."""

    triples: list[ox.Triple]
    by_subject: dict[ox.NamedNode, list[ox.Triple]]
    qualifications: list[ox.NamedNode]
    mappings_of_unit: dict[ox.NamedNode, list[ox.NamedNode]]
    parts: dict[ox.NamedNode, list[ox.NamedNode]]


def _seed_graph() -> _Seed:
    from aqkg.sources import load_project_files, project_files

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


def _renamed(node: ox.NamedNode, copy: int, members: set[ox.NamedNode]) -> ox.NamedNode:
    if node not in members:
        return node
    head, _, code = node.value.rpartition("/")
    return ox.NamedNode(f"{head}/SYN{copy}-{code}")


def _copy(seed: _Seed, records: list[ox.NamedNode], copy: int, broken: bool) -> Iterator[ox.Triple]:
    members = set(records)
    for record in records:
        for t in seed.by_subject.get(record, []):
            if broken and t.predicate == HAS_LEVEL and record == records[0]:
                continue
            obj = t.object
            if isinstance(obj, ox.NamedNode):
                obj = _renamed(obj, copy, members)
            elif isinstance(obj, ox.Literal) and t.predicate.value in RENAMED_LITERALS:
                text = f"{obj.value} (synthetic {copy})"
                if t.predicate.value == SKOS + "notation":
                    text = f"SYN{copy}-{obj.value}"
                obj = ox.Literal(text, language=obj.language, datatype=obj.datatype)
            yield ox.Triple(_renamed(record, copy, members), t.predicate, obj)


def generate(triples: int, seed: int = 1, violation_rate: float = 0.0) -> Iterator[ox.Triple]:
    """About `triples` triples (at least the shipped data): the real data, then copied bundles."""
    if not 0.0 <= violation_rate <= 1.0:
        raise ValueError("violation_rate is a share between 0 and 1")
    real = _seed_graph()
    chooser = random.Random(seed)
    written = 0
    for t in real.triples:
        yield t
        written += 1
    copy = 0
    while written < triples:
        copy += 1
        qualification = chooser.choice(real.qualifications)
        broken = chooser.random() < violation_rate
        for t in _copy(real, _bundle(real, qualification), copy, broken):
            yield t
            written += 1


def write(path: Path, triples: int, seed: int = 1, violation_rate: float = 0.0) -> int:
    """Write the workload as N-Triples; returns the number of triples written."""
    count = 0
    with path.open("wb") as out, bar(triples, "aqkg synth", unit="triple") as progress:
        batch: list[ox.Triple] = []
        for t in generate(triples, seed, violation_rate):
            batch.append(t)
            if len(batch) == 100_000:
                out.write(ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES) or b"")
                count += len(batch)
                progress.update(len(batch))
                batch = []
        out.write(ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES) or b"")
        count += len(batch)
    return count
