"""EmbeddedStore.bulk_load_ntriples: the bulk path used for files aqkg wrote itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from aqkg.build import synth
from aqkg.store.embedded import EmbeddedStore

GRAPH = "urn:aqkg-test:bulk"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bulk") / "synth.nt"
    synth.write(path, 3_000, seed=4, violation_rate=0.1)
    return path


def _loaded(path: Path, *, trusted: bool) -> EmbeddedStore:
    store = EmbeddedStore.in_memory()
    store.bulk_load_ntriples(path, GRAPH, trusted=trusted)
    return store


def test_trusted_and_checked_loads_hold_the_same_quads(synthetic: Path) -> None:
    checked = set(_loaded(synthetic, trusted=False).quads(GRAPH))
    trusted = set(_loaded(synthetic, trusted=True).quads(GRAPH))
    lines = [line for line in synthetic.read_text().splitlines() if line.strip()]
    assert checked == trusted
    assert len(checked) == len(set(lines))


def test_checked_load_refuses_an_iri_with_a_space(tmp_path: Path) -> None:
    bad = tmp_path / "bad.nt"
    bad.write_text("<urn:a> <urn:b> <urn:c d> .\n", encoding="utf-8")
    with pytest.raises(SyntaxError):
        _loaded(bad, trusted=False)
