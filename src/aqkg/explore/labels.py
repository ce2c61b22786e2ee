"""Labels in other languages than English and the source documents of any record."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from aqkg.explore._store import rows
from aqkg.store.embedded import EmbeddedStore


@dataclass(frozen=True)
class LocalLabel:
    text: str
    language: str
    kind: str  # preferred, alternative


@dataclass(frozen=True)
class SourceDoc:
    iri: str
    title: str
    publisher: str
    year: str
    url: str
    role: str = "source"  # or "modelled on": what an illustrative record imitates, not evidence


def local_labels(store: EmbeddedStore) -> dict[str, tuple[LocalLabel, ...]]:
    """Labels in languages other than English, by the IRI of what they name."""
    found: dict[str, list[LocalLabel]] = defaultdict(list)
    for r in rows(store, "explore-labels"):
        found[r["resource"]].append(LocalLabel(r["label"], r["language"], r["kind"]))
    return {iri: tuple(labels) for iri, labels in found.items()}


def labelled(text: str, labels: Sequence[LocalLabel]) -> str:
    """`English (national [lang], ...)`, leaving out labels that only repeat the English one."""
    others = [f"{label.text} [{label.language}]" for label in labels if label.text != text]
    return f"{text} ({', '.join(others)})" if others else text


def sources_of(store: EmbeddedStore, record: str) -> tuple[SourceDoc, ...]:
    """The documents any record cites (sources, or what it was modelled on), by title."""
    found = {
        r["source"]: SourceDoc(
            r["source"], r["sourceTitle"], r["publisher"], r["issued"][:4], r["url"], r["role"]
        )
        for r in rows(store, "recognition-provenance", record=record)
        if r["source"]
    }
    return tuple(sorted(found.values(), key=lambda s: (s.title, s.iri)))
