"""Who owns a record, and what one country's submission may say about it.

Every record has one owner, read from its IRI (the patterns of docs/model.md):

- `id/<type>/<XX>/...`, XX a member state: XX (its frameworks, levels, referencing,
  alignments, qualifications, standards, units, occupations, organisations, mappings);
- `id/<type>/ASEAN/...`, `id/country/XX`, the vocabularies (`id/sector/...`,
  `id/roadmap-step/...`, ...), the ontology and every IRI outside `id/` (ISCO-08, ESCO):
  the regional curation, shown as ASEAN;
- `id/source/<slug>` carries no country: a source belongs to whoever describes it in the
  graph already (the owner of that graph), and to the submitting country when nobody does.

Shared organisations follow the same rule: an organisation is the country's of its IRI even
when regional data describes it too (a ministry in an MRS corridor, `org/LA/MOLSW` in
data/regional/mrs.ttl). Its country may describe it; everyone else, regional curation
included, only points to it.

A submission for XX may be the subject only of XX's records; it may point to anyone's record
(an object), except through a PLACING property, which puts the subject inside the object (a
level into a framework, a unit into a standard): those objects must be XX's too, so no one
adds a level to another country's framework or a unit to the RMCS. A record's graph owner is
the rule `issue 17` builds on to keep everything but the submitted records in the context:
`record_owner` and `graph_owner` are its two halves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from aqkg.paths import GRAPH_BASE
from aqkg.sparql.member_states import member_state_codes
from aqkg.store.backend import Store

REGIONAL = "ASEAN"
ID_BASE = "https://w3id.org/aqkg/id/"
SOURCE_BASE = ID_BASE + "source/"
_AQKG = "https://w3id.org/aqkg/ontology#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
# The object contains the subject: saying so changes the object's record (OWL inverses make
# it explicit: partOfStandard is hasUnit seen from the unit).
PLACING_PROPERTIES = (
    _AQKG + "inFramework",
    _AQKG + "partOfStandard",
    _AQKG + "partOfReferencing",
    _AQKG + "describesLevel",
    _AQKG + "memberState",
    _SKOS + "inScheme",
    _SKOS + "topConceptOf",
)
_COUNTRY_GRAPHS = GRAPH_BASE + "data/countries/"
_PUBLISHED_GRAPHS = GRAPH_BASE + "published/"


def record_owner(iri: str) -> str | None:
    """XX, ASEAN (the regional curation), or None for a source (its graph decides)."""
    if iri.startswith(SOURCE_BASE):
        return None
    if not iri.startswith(ID_BASE):
        return REGIONAL
    parts = iri.removeprefix(ID_BASE).split("/")
    if parts[0] == "country":  # the member-states vocabulary, not a country's own record
        return REGIONAL
    if len(parts) >= 3 and parts[1] in member_state_codes():
        return parts[1]
    return REGIONAL


def graph_owner(graph: str) -> str:
    """The owner of a named graph: a country's curated files and its published versions are
    the country's, every other graph the regional curation's."""
    for base in (_COUNTRY_GRAPHS, _PUBLISHED_GRAPHS):
        if graph.startswith(base):
            code = graph.removeprefix(base).split("/")[0].upper()
            if code in member_state_codes():
                return code
    return REGIONAL


def owner_name(owner: str) -> str:
    return "the regional curation (ASEAN)" if owner == REGIONAL else owner


@dataclass(frozen=True, order=True)
class Trespass:
    """A record the submission may not describe (`via` None), or may not place its own record
    into (`via` the placing property)."""

    record: str
    owner: str
    subject: str
    via: str | None = None

    def message(self, country: str) -> str:
        owner = owner_name(self.owner)
        if self.via is None:
            return (
                f"{self.record} is a record of {owner}: a submission for {country} may describe "
                f"only {country}'s records; remove this record's statements and point to it instead"
            )
        prop = self.via.rsplit("#", 1)[-1]
        return (
            f"{self.subject} is placed in {self.record} ({prop}), a record of {owner}: "
            f"{country}'s records may be placed only in {country}'s own frameworks, standards "
            "and schemes"
        )


def submitter(subjects: Iterable[str]) -> str | None:
    """The member state a file's records belong to, when they belong to one (the regional
    curation's records and sources aside); None for a file of several member states' records
    or of regional ones only (curated data: `aqkg build` checks it)."""
    owners = {owner for s in subjects if (owner := record_owner(s)) not in (None, REGIONAL)}
    return owners.pop() if len(owners) == 1 else None


def trespasses(submission: ox.Store, country: str, described: dict[str, str]) -> list[Trespass]:
    """Every foreign record the submission (its default graph) describes or places into.
    `described` maps the sources the graph already holds to their owner (see `source_owners`)."""
    found: set[Trespass] = set()
    for subject in _named(submission.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o }")):
        owner = _owner(subject, country, described)
        if owner != country:
            found.add(Trespass(subject, owner, subject))
    values = " ".join(f"<{p}>" for p in PLACING_PROPERTIES)
    placing = submission.query(
        f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o }}"
    )
    assert isinstance(placing, ox.QuerySolutions)
    for row in placing:
        subject, prop, obj = row["s"], row["p"], row["o"]
        if not isinstance(obj, ox.NamedNode) or not isinstance(subject, ox.NamedNode):
            continue
        owner = _owner(obj.value, country, described)
        # memberState names the country record, which is regional: compare its code instead
        if prop.value == _AQKG + "memberState":
            owner = obj.value.removeprefix(ID_BASE + "country/")
        if owner != country and record_owner(subject.value) == country:
            found.add(Trespass(obj.value, owner, subject.value, prop.value))
    return sorted(found)


def source_owners(context: Store, sources: Iterable[str]) -> dict[str, str]:
    """Each of `sources` the graph already describes -> its owner: the owner of the graph
    describing it (curated files and published versions; inferences do not count), regional
    when regional data describes it, whoever else does too."""
    listed = " ".join(f"<{s}>" for s in sorted(set(sources)))
    if not listed:
        return {}
    rows = context.select(
        f"SELECT DISTINCT ?s ?g WHERE {{ VALUES ?s {{ {listed} }} GRAPH ?g {{ ?s ?p ?o }} "
        f'FILTER(STRSTARTS(STR(?g), "{GRAPH_BASE}data/") || '
        f'STRSTARTS(STR(?g), "{_PUBLISHED_GRAPHS}")) }}'
    ).rows
    owners: dict[str, str] = {}
    for source, graph in rows:
        assert isinstance(source, ox.NamedNode) and isinstance(graph, ox.NamedNode)
        if owners.get(source.value) != REGIONAL:
            owners[source.value] = graph_owner(graph.value)
    return owners


def _owner(iri: str, country: str, described: dict[str, str]) -> str:
    owner = record_owner(iri)
    return owner if owner is not None else described.get(iri, country)


def _named(solutions: object) -> list[str]:
    assert isinstance(solutions, ox.QuerySolutions)
    return [row[0].value for row in solutions if isinstance(row[0], ox.NamedNode)]
