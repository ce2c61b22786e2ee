"""Query access for the engine: the recognition-* named queries, run in batches, and the
sources and curation status read with every record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from aqkg.paths import queries_dir
from aqkg.recognition.evidence import Row
from aqkg.recognition.model import (
    Coverage,
    MappingEvidence,
    Source,
    Step,
)
from aqkg.sparql.binding import inline, with_rows
from aqkg.sparql.catalogue import NamedQuery, bind_params, read_query
from aqkg.sparql.results import plain
from aqkg.store.backend import Store
from aqkg.store.embedded import Term

AQKG = "https://w3id.org/aqkg/ontology#"

ID_BASE = "https://w3id.org/aqkg/id/"

QUALIFICATION_BASE = ID_BASE + "qualification/"

_CURATION = {"Verified": "verified", "Unverified": "unverified", "Illustrative": "illustrative"}

ARRANGEMENT_KINDS = ("corridor", "mra")

QUALIFICATIONS_QUERY = "recognition-qualifications"

PROVENANCE_QUERY = "recognition-provenance"

QUALIFICATION_QUERY = "recognition-qualification"

OCCUPATIONS_QUERY = "recognition-occupations"

UNITS_QUERY = "recognition-units"

_BATCH = 500  # IRIs per VALUES block


@cache
def _named_query(name: str) -> NamedQuery:
    return read_query(queries_dir() / f"{name}.rq")


def text_of(term: Term | None) -> str:
    return plain(term)


def int_of(term: Term | None) -> int | None:
    text = text_of(term)
    return int(text) if text.lstrip("-").isdigit() else None


def local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def curation_of(term: Term | None) -> str:
    return _CURATION.get(local_name(text_of(term)), "unknown") if term is not None else "unknown"


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


class Reader:
    """Runs the named queries for one recognition, caching provenance per record."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._provenance: dict[str, _Provenance] = {}
        self._read: dict[tuple[str, str, str], list[Row]] = {}  # (query, param, IRI) -> rows
        # (holder, target) -> unit coverage, filled by aqkg.recognition.coverage
        self.coverages: dict[tuple[str, str], Coverage] = {}

    def rows(self, name: str, **params: str) -> list[Row]:
        if len(params) == 1:
            [(param, value)] = params.items()
            if (name, param, value) in self._read:
                return self._read[(name, param, value)]
        query = _named_query(name)
        result = self.store.select(inline(query.text, bind_params(query, params)))
        return [dict(zip(result.variables, row, strict=True)) for row in result.rows]

    def read_ahead(self, name: str, param: str, iris: Iterable[str]) -> None:
        """Run a query with one IRI parameter for many IRIs at once (a VALUES block), so that
        rows(name, param=iri) then answers from memory with the same rows, in the same order."""
        wanted = sorted({i for i in iris if (name, param, i) not in self._read})
        for start in range(0, len(wanted), _BATCH):
            chunk = wanted[start : start + _BATCH]
            query = _named_query(name)
            for iri in chunk:
                self._read[(name, param, iri)] = []
            result = self.store.select(with_rows(query.text, param, chunk))
            at = result.variables.index(param)
            for row in result.rows:
                key = (name, param, text_of(row[at]))
                self._read[key].append(dict(zip(result.variables, row, strict=True)))

    def provenance(self, iri: str) -> _Provenance:
        """Label, curation status, sources and modelled-on documents of any record."""
        if iri not in self._provenance:
            rows = self.rows(PROVENANCE_QUERY, record=iri)
            cited: dict[str, dict[str, Source]] = {"source": {}, "modelled on": {}}
            for r in rows:
                if r["source"] is None:
                    continue
                cited[text_of(r["role"])][text_of(r["source"])] = Source(
                    iri=text_of(r["source"]),
                    title=text_of(r["sourceTitle"]),
                    publisher=text_of(r["publisher"]),
                    year=text_of(r["issued"])[:4],
                    url=text_of(r["url"]),
                )
            label = next((text_of(r["label"]) for r in rows if r["label"] is not None), "")
            curation = next((curation_of(r["curation"]) for r in rows), "unknown")
            self._provenance[iri] = _Provenance(
                label, curation, by_iri(cited["source"]), by_iri(cited["modelled on"])
            )
        return self._provenance[iri]

    def step(self, kind: str, iri: str) -> Step:
        found = self.provenance(iri)
        return Step(
            kind, iri, found.label, found.curation, _iris(found.sources), _iris(found.modelled_on)
        )

    def evidence(self, record: str, predicate: str, forward: bool) -> MappingEvidence:
        found = self.provenance(record)
        return MappingEvidence(
            record=record,
            predicate=_lower_first(predicate),
            read="forward" if forward else "backward",
            curation=found.curation,
            sources=_iris(found.sources),
            modelled_on=_iris(found.modelled_on),
        )


@dataclass(frozen=True)
class _Provenance:
    label: str
    curation: str
    sources: tuple[Source, ...]
    modelled_on: tuple[Source, ...]  # an illustrative record's models: never evidence


def by_iri(found: dict[str, Source]) -> tuple[Source, ...]:
    return tuple(found[key] for key in sorted(found))


def _iris(sources: Iterable[Source]) -> tuple[str, ...]:
    return tuple(s.iri for s in sources)
