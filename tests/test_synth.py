"""`aqkg synth`: repeatable, shaped like the real graph, conforming unless asked otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from aqkg.rdf_input import parse_triples
from aqkg.report import Report
from aqkg.sources import load_project_files, project_files
from aqkg.synth import write
from aqkg.validate import validate_triples

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


def test_rate_must_be_a_share() -> None:
    with pytest.raises(ValueError):
        write(Path("/dev/null"), 10, violation_rate=2)
