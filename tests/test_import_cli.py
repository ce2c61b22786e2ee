"""`aqkg import esco` into a built store: our occupations then walk the ISCO-08 hierarchy."""

from __future__ import annotations

from pathlib import Path

import pytest

from aqkg.cli.main import main
from aqkg.intake.esco import ESCO_GRAPH, ISCO_FILE, OCCUPATIONS_FILE
from aqkg.intake.rdf_input import MAX_INPUT_BYTES
from aqkg.store.embedded import EmbeddedStore

ESCO_DIR = Path(__file__).resolve().parents[1].parent / "shared/data/reference/esco-v1.1.1"


@pytest.fixture(scope="module")
def esco_dir() -> Path:
    if not ESCO_DIR.is_dir():
        pytest.skip(f"ESCO v1.1.1 CSV export not found at {ESCO_DIR} (reference data in ../shared)")
    return ESCO_DIR


def test_import_then_walk_from_our_occupations_to_isco_major_groups(
    esco_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_path = tmp_path / "store"
    assert main(["build", "--store", str(store_path)]) == 0
    assert main(["import", "esco", str(esco_dir), "--store", str(store_path)]) == 0
    assert "619 ISCO-08 groups and 3007 ESCO occupations" in capsys.readouterr().out

    store = EmbeddedStore.open(store_path)
    result = store.select(
        "PREFIX aqkg: <https://w3id.org/aqkg/ontology#> "
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT DISTINCT ?occupation ?major WHERE { "
        "  ?occupation a aqkg:Occupation ; aqkg:iscoGroup/skos:broader* ?major . "
        "  GRAPH <https://w3id.org/aqkg/graph/esco> { ?major skos:topConceptOf ?scheme } }"
    )
    ours = {row[0] for row in result.rows}
    assert len(ours) >= 10, "our occupations should reach an ISCO-08 major group through ESCO"

    # a rebuild keeps the imported graph
    assert main(["build", "--store", str(store_path)]) == 0
    assert "https://w3id.org/aqkg/graph/esco" in EmbeddedStore.open(store_path).graph_names()


def test_import_of_a_missing_folder_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_path = tmp_path / "store"
    assert main(["build", "--store", str(store_path)]) == 0
    assert main(["import", "esco", str(tmp_path / "nowhere"), "--store", str(store_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nowhere" in err


def test_an_oversized_esco_file_is_refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file over the input limit (sparse: no disk used) is one line naming it and the limit,
    exit 2, and the store keeps no ESCO graph."""
    store_path = tmp_path / "store"
    assert main(["build", "--store", str(store_path)]) == 0
    capsys.readouterr()
    folder = tmp_path / "esco"
    folder.mkdir()
    (folder / ISCO_FILE).write_text("conceptUri\n", encoding="utf-8")
    with (folder / OCCUPATIONS_FILE).open("wb") as huge:
        huge.truncate(MAX_INPUT_BYTES + 1)
    assert main(["import", "esco", str(folder), "--store", str(store_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and OCCUPATIONS_FILE in err and str(MAX_INPUT_BYTES) in err
    assert ESCO_GRAPH not in EmbeddedStore.open(store_path).graph_names()
