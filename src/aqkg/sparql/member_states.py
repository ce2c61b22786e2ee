"""The ASEAN member states, read from the data: one source of truth.

`data/vocab/member-states.ttl` describes the eleven member states (Timor-Leste since October
2025); the template, the ownership rules, the coverage report and the parameter checks all read
them from there (the file, or the store built from it), so admitting a member state is one edit
of the vocabulary, not of a list in each module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox

from aqkg.paths import data_dir
from aqkg.store.backend import Store

MEMBER_STATES_QUERY = """
PREFIX aqkg: <https://w3id.org/aqkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?code (SAMPLE(?label) AS ?name) WHERE {
  ?state a aqkg:MemberState ; skos:notation ?code .
  OPTIONAL { ?state skos:prefLabel ?label FILTER (LANGMATCHES(LANG(?label), "en")) }
} GROUP BY ?code
"""


@dataclass(frozen=True, order=True)
class MemberState:
    name: str  # first, so that sorting orders by English name, as ASEAN lists its members
    code: str


def member_states_in(store: Store) -> list[MemberState]:
    """The member states the store describes, by English name."""
    rows = store.select(MEMBER_STATES_QUERY).rows
    return _states((_text(code), _text(name)) for code, name in rows)


@cache
def member_state_codes() -> tuple[str, ...]:
    """The ISO 3166-1 alpha-2 codes of the member states, as the vocabulary file gives them
    (for code that has no store at hand: writing a template, telling a record's owner)."""
    vocabulary = ox.Store()
    vocabulary.load(path=str(data_dir() / "vocab" / "member-states.ttl"))
    solutions = vocabulary.query(MEMBER_STATES_QUERY)
    assert isinstance(solutions, ox.QuerySolutions)
    states = _states((_text(row["code"]), _text(row["name"])) for row in solutions)
    return tuple(sorted(s.code for s in states))


def _states(pairs: Iterable[tuple[str, str]]) -> list[MemberState]:
    return sorted(MemberState(name or code, code) for code, name in pairs)


def _text(term: object) -> str:
    return "" if term is None else str(getattr(term, "value", term))
