"""recognise() gives, for every shipped qualification and every other member state, exactly the
Recognition the engine gave before its queries were rewritten for speed (issue 7).

The snapshot (tests/fixtures/recognition-snapshot.json.gz, the JSON rendering of each result,
gzipped: ~1 MB of text) was written by the engine as it stood before the rewrite. When the
shipped data or the engine's answers change on purpose, rewrite it with

    .venv/bin/python tests/test_recognition_snapshot.py --write

and review the change in the answers (`zcat` both versions and diff them).
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from aqkg.build.pipeline import build
from aqkg.recognition.engine import RecognitionError, format_recognition, recognise
from aqkg.sparql.results import plain
from aqkg.store.backend import Store
from aqkg.store.embedded import EmbeddedStore

SNAPSHOT = Path(__file__).parent / "fixtures" / "recognition-snapshot.json.gz"
AQKG = "https://w3id.org/aqkg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def pairs(store: Store) -> list[tuple[str, str]]:
    """Every (qualification IRI, other member state code), sorted."""
    codes = sorted(
        plain(row[0])
        for row in store.select(
            f"SELECT ?c WHERE {{ ?s a <{AQKG}MemberState> ; <{SKOS}notation> ?c }}"
        ).rows
    )
    quals = store.select(
        f"SELECT ?q ?c WHERE {{ ?q a <{AQKG}Qualification> ; <{AQKG}memberState> ?s . "
        f"?s <{SKOS}notation> ?c }}"
    ).rows
    owned = sorted((plain(q), plain(c)) for q, c in quals)
    return [(q, code) for q, own in owned for code in codes if code != own]


def answer(store: Store, qualification: str, country: str) -> Any:
    """The JSON rendering of the recognition, parsed, or the refusal's message."""
    try:
        return json.loads(format_recognition(recognise(store, qualification, country), "json"))
    except RecognitionError as error:
        return {"error": str(error)}


def answers(store: Store) -> dict[str, Any]:
    return {f"{q} {c}": answer(store, q, c) for q, c in pairs(store)}


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    _, built = build(None)
    return built


@pytest.fixture(scope="module")
def snapshot() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(gzip.decompress(SNAPSHOT.read_bytes()))
    return loaded


def test_snapshot_covers_every_pair_and_has_candidates(
    store: EmbeddedStore, snapshot: dict[str, Any]
) -> None:
    assert sorted(snapshot) == sorted(f"{q} {c}" for q, c in pairs(store))
    # The snapshot must exercise the engine: corridors, several candidates, unit coverage.
    candidates = [c for a in snapshot.values() for c in a.get("candidates", [])]
    assert len(candidates) >= 30
    assert {c["basis"]["kind"] for c in candidates} >= {"corridor", "aqrf-level-only"}
    assert any(c["coverage"]["matches"] for c in candidates)


def test_every_recognition_is_as_before(store: EmbeddedStore, snapshot: dict[str, Any]) -> None:
    changed = [key for key, expected in snapshot.items() if answer(store, *key.split()) != expected]
    assert not changed, f"{len(changed)} recognition(s) differ from the snapshot: {changed[:5]}"


def write_snapshot() -> None:
    _, built = build(None)
    text = json.dumps(answers(built), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    SNAPSHOT.write_bytes(gzip.compress(text.encode(), mtime=0))
    print(f"wrote {SNAPSHOT}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: test_recognition_snapshot.py --write")
    write_snapshot()
