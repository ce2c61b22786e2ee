"""`aqkg synth`: repeatable, shaped like the real graph, conforming unless asked otherwise."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest

from aqkg.build.synth import write
from aqkg.cli.main import main
from aqkg.intake.project_files import load_project_files, project_files
from aqkg.intake.rdf_input import parse_triples
from aqkg.validation.report import Report
from aqkg.validation.validate import validate_triples

LEVEL_SHAPE = "https://w3id.org/aqkg/shapes#Qualification-level"


def _validate(path: Path) -> Report:
    """The workload replaces all data, so only ontology and vocabularies are its context."""
    context = load_project_files(
        [p for p in project_files() if "ontology" in p.parts or "vocab" in p.parts]
    )
    return validate_triples(parse_triples(path), context, [str(path)])


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a.nt", tmp_path / "b.nt", tmp_path / "c.nt"
    assert write(first, 12_000, seed=5) >= 12_000
    write(second, 12_000, seed=5)
    write(other, 12_000, seed=6)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_conforms_at_rate_zero(tmp_path: Path) -> None:
    path = tmp_path / "w.nt"
    write(path, 20_000, seed=1)
    assert _validate(path).conforms


def test_violations_at_the_chosen_rate(tmp_path: Path) -> None:
    path = tmp_path / "w.nt"
    write(path, 20_000, seed=2, violation_rate=0.3)
    report = _validate(path)
    broken = {f.focus for f in report.findings if f.shape == LEVEL_SHAPE}
    copies = {
        line.split()[0]
        for line in path.read_text(encoding="utf-8").splitlines()
        if "/qualification/" in line.split()[0] and "/SYN" in line.split()[0]
    }
    assert not report.conforms
    assert 0.15 <= len(broken) / len(copies) <= 0.45


def test_rate_and_family_size_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write(tmp_path / "w.nt", 10, violation_rate=2)
    with pytest.raises(ValueError):
        write(tmp_path / "w.nt", 10, family_size=-1)
    assert not (tmp_path / "w.nt").exists()


def _copies_per_shared_record(path: Path) -> dict[str, set[str]]:
    """For each occupation, ISCO group and RMCS unit: the copied qualifications reaching it."""
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    rows = store.query(
        """PREFIX aqkg: <https://w3id.org/aqkg/ontology#>
        SELECT ?shared ?q WHERE {
          ?q a aqkg:Qualification . FILTER(CONTAINS(STR(?q), "/SYN"))
          { ?q aqkg:forOccupation|aqkg:basedOnStandard/aqkg:forOccupation ?shared }
          UNION { ?q (aqkg:forOccupation|aqkg:basedOnStandard/aqkg:forOccupation)/aqkg:iscoGroup
                  ?shared }
          UNION { ?q aqkg:requiresUnit ?unit . ?record aqkg:mappingSubject ?unit ;
                  aqkg:mappingObject ?shared
                  # ACCSTP units: one regional standard, shared by every family
                  FILTER(!REGEX(STR(?shared), "/unit/ASEAN/D[12]\\\\.")) }
        }"""
    )
    assert isinstance(rows, ox.QuerySolutions)
    reached: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        shared, qualification = row["shared"], row["q"]
        assert isinstance(shared, ox.NamedNode) and isinstance(qualification, ox.NamedNode)
        reached[shared.value].add(qualification.value)
    return reached


def test_families_bound_the_fan_out(tmp_path: Path) -> None:
    """Each family of K bundles has its own occupations, ISCO groups and RMCS units, so none is
    reached by more than K copies; in the worst-case mode (0) all copies share the real ones."""
    bounded, shared = tmp_path / "k5.nt", tmp_path / "k0.nt"
    write(bounded, 40_000, seed=3, family_size=5)
    write(shared, 40_000, seed=3, family_size=0)
    reached = _copies_per_shared_record(bounded)
    assert max(len(copies) for copies in reached.values()) <= 5
    assert any("/SYNF" in record for record in reached)  # RMCS units and occupations copied
    assert any("/isco/C0" in record for record in reached)  # synthetic ISCO-08 groups
    worst = _copies_per_shared_record(shared)
    assert max(len(copies) for copies in worst.values()) > 50
    assert not any("/SYNF" in record or "/isco/C0" in record for record in worst)


def test_worst_case_mode_conforms_too(tmp_path: Path) -> None:
    path = tmp_path / "k0.nt"
    write(path, 15_000, seed=4, family_size=0)
    assert _validate(path).conforms


def test_synthetic_isco_groups_shared_when_the_pool_runs_out_still_conform(
    tmp_path: Path,
) -> None:
    """One bundle per family: more families than synthetic ISCO-08 codes, so families share
    them; each shared group is written once, with one code and one label."""
    path = tmp_path / "k1.nt"
    write(path, 80_000, seed=5, family_size=1)
    text = path.read_text(encoding="utf-8")
    labels = [
        line.split()[0]
        for line in text.splitlines()
        if line.startswith("<http://data.europa.eu/esco/isco/C0") and "prefLabel" in line
    ]
    assert len(labels) == len(set(labels)) > 100
    assert _validate(path).conforms


def test_cli_synth_output_passes_aqkg_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "w.nt"
    assert main(["synth", "--triples", "12000", "-o", str(path), "--family-size", "3"]) == 0
    assert main(["validate", str(path)]) == 0
    assert "CONFORMS: 0 violation(s)" in capsys.readouterr().out


def test_cli_synth_refuses_a_negative_family_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["synth", "--triples", "100", "-o", str(tmp_path / "w.nt"), "--family-size", "-1"]
    assert main(args) == 2
    assert "--family-size 0 or more" in capsys.readouterr().err
    assert not (tmp_path / "w.nt").exists()
