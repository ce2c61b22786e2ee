"""Parameter values checked against the data they name, for every interface.

A named query's header types its parameters (aqkg.sparql.catalogue), but a value of the right
type can still name nothing: `country=XX` (no such member state), `level=9` (the AQRF has eight
levels), an IRI no record has. The query would answer with no rows, which reads as "there are
none". So the CLI (exit 2), the REST API (400 with a JSON error) and the explorer's deep links
(an error on the page) refuse such a value with one message saying what exists instead. What is
allowed is read from the store being queried, never from constants: the OpenAPI document's
member-state enum and level bounds come from `DataBounds` too.

The store is reached through `Select` (a query in, rows of plain strings out), so the checks
run the same over the embedded store, an endpoint, or the server's worker pool.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from aqkg.sparql.catalogue import NamedQuery, QueryParam, QueryParamError, expand_curie
from aqkg.sparql.member_states import MEMBER_STATES_QUERY
from aqkg.sparql.results import plain
from aqkg.store.backend import Store
from aqkg.suggest import closest_first

Select = Callable[[str], list[list[str]]]

ID_BASE = "https://w3id.org/aqkg/id/"
AQRF = ID_BASE + "framework/ASEAN/AQRF"
# parameter types naming a level by its rank in one framework
LEVEL_TYPES = {"aqrf-level": AQRF}
FRAMEWORK_NAMES = {AQRF: "the AQRF"}
LISTED = 500  # records read to find those most like a wrong IRI

# A header `size (xsd:integer, 0-1000, optional)` declares a range the query's author fixed.
_RANGE = re.compile(r"^\s*(-?\d+)\s*-\s*(-?\d+)\b")

_LEVEL_RANKS = """
PREFIX aqkg: <https://w3id.org/aqkg/ontology#>
SELECT DISTINCT ?rank WHERE {{ ?level aqkg:inFramework <{framework}> ; aqkg:rank ?rank }}
"""
_DESCRIBED = "SELECT ?p WHERE {{ {iri} ?p ?o }} LIMIT 1"
_SIBLINGS = """
SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER (isIRI(?s) && STRSTARTS(STR(?s), {prefix})) }}
LIMIT {limit}
"""


class ParamValueError(QueryParamError):
    """A parameter names something the data does not hold; the message says what it holds."""


def store_select(store: Store) -> Select:
    """`Select` over a store: the rows as plain strings (an IRI's text, a literal's value)."""
    return lambda sparql: [[plain(term) for term in row] for row in store.select(sparql).rows]


@dataclass(frozen=True)
class DataBounds:
    """The values the data allows where a type alone does not say: the member states' codes,
    and the level ranks of each framework a parameter type names."""

    member_states: tuple[str, ...]
    level_ranks: Mapping[str, tuple[int, ...]]

    def ranks(self, param_type: str) -> tuple[int, ...]:
        return self.level_ranks.get(LEVEL_TYPES.get(param_type, ""), ())

    def integer_range(self, param: QueryParam) -> tuple[int, int] | None:
        """(minimum, maximum) of an integer parameter: a level's from the data, else the
        range its header declares, if any."""
        if param.type in LEVEL_TYPES:
            ranks = self.ranks(param.type)
            return (min(ranks), max(ranks)) if ranks else None
        return declared_range(param)


def declared_range(param: QueryParam) -> tuple[int, int] | None:
    bounds = _RANGE.match(param.description) if param.type == "xsd:integer" else None
    return (int(bounds[1]), int(bounds[2])) if bounds else None


def data_bounds(select: Select) -> DataBounds:
    codes = sorted(row[0] for row in select(MEMBER_STATES_QUERY) if row and row[0])
    ranks = {framework: level_ranks(select, framework) for framework in LEVEL_TYPES.values()}
    return DataBounds(tuple(codes), ranks)


def level_ranks(select: Select, framework: str) -> tuple[int, ...]:
    rows = select(_LEVEL_RANKS.format(framework=framework))
    return tuple(sorted({int(row[0]) for row in rows if row and row[0].lstrip("-").isdigit()}))


def check_params(query: NamedQuery, given: Mapping[str, str], select: Select) -> None:
    """Raise ParamValueError for the first given value that names nothing in the data (the
    values have passed aqkg.sparql.catalogue.bind_params: they are of their declared types)."""
    bounds: DataBounds | None = None
    for param in query.params:
        value = given.get(param.name)
        if value is None:
            continue
        if param.type == "iri":
            check_iri(param.name, expand_curie(value.strip().strip("<>")), select)
            continue
        if (limits := declared_range(param)) is not None:
            check_range(param.name, value, limits)
        elif param.type == "country" or param.type in LEVEL_TYPES:
            bounds = bounds or data_bounds(select)
            check_value(param, value, bounds)


def check_value(param: QueryParam, value: str, bounds: DataBounds) -> None:
    """A country or level parameter's value, against the bounds read from the data."""
    if param.type == "country":
        check_country(param.name, value, bounds.member_states)
    elif param.type in LEVEL_TYPES:
        framework = FRAMEWORK_NAMES[LEVEL_TYPES[param.type]]
        check_level(param.name, value, bounds.ranks(param.type), framework)


def check_country(name: str, value: str, member_states: Sequence[str]) -> str:
    """The member state's code (upper case), or ParamValueError naming those the data has."""
    return check_choice(name, value.strip().upper(), member_states, "a member state", value)


def check_choice(
    name: str, value: str, allowed: Sequence[str], what: str, given: str | None = None
) -> str:
    """`value` when it is one of `allowed` (read from the data), else ParamValueError listing
    them, the most like it first. `given` is the value as the user wrote it, when not `value`."""
    if value in allowed:
        return value
    choices = closest_first(value, allowed) if allowed else "(none: the graph holds none)"
    shown = value if given is None else given
    raise ParamValueError(f"{name}={shown!r} is not {what} in the graph; use one of: {choices}")


def check_level(name: str, value: str, ranks: Sequence[int], framework: str) -> int:
    """The level's rank, or ParamValueError giving the framework's range."""
    text = value.strip()
    rank = int(text) if text.lstrip("-").isdigit() else None
    if rank is not None and rank in ranks:
        return rank
    allowed = f"from {min(ranks)} to {max(ranks)}" if ranks else "(none: no level in the graph)"
    raise ParamValueError(f"{name}={value!r} is not a level of {framework}; use a level {allowed}")


def check_range(name: str, value: str, limits: tuple[int, int]) -> None:
    low, high = limits
    if not low <= int(value) <= high:
        raise ParamValueError(
            f"{name}={value!r} is out of range; use a number from {low} to {high}"
        )


def check_iri(name: str, iri: str, select: Select) -> None:
    """Nothing, when a record has this IRI; else ParamValueError with a few records like it."""
    try:
        term = ox.NamedNode(iri)  # written into the query by pyoxigraph, never as raw text
    except ValueError:
        raise ParamValueError(f"{name}={iri!r} is not an IRI") from None
    if select(_DESCRIBED.format(iri=term)):
        return
    raise ParamValueError(f"{name}={iri!r} is not in the graph; {_alternatives(iri, select)}")


def _alternatives(iri: str, select: Select) -> str:
    """Records of the same kind and country (`id/qualification/PH/...`), to pick from."""
    if not iri.startswith(ID_BASE) or iri.count("/") < ID_BASE.count("/") + 1:
        return "give the IRI of a record the graph holds"
    prefix = iri.rsplit("/", 1)[0] + "/"
    rows = select(_SIBLINGS.format(prefix=ox.Literal(prefix), limit=LISTED))
    codes = [row[0].removeprefix(prefix) for row in rows if row and row[0]]
    if not codes:
        return f"the graph holds no record under {prefix}"
    wrong = iri.removeprefix(prefix)
    return f"records under {prefix}: {closest_first(wrong, codes)}"
