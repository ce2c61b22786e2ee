"""The mapping records as an SSSOM mapping set (TSV with its YAML metadata block).

SSSOM (https://mapping-commons.github.io/sssom/) is what the mapping community reads. aqkg's
mapping model was written against it (ontology/alignments.ttl), so the export is a reading of
the graph, not a translation with guesses:

- `predicate_id` is the SKOS property the match type names (`aqkg:skosMatchProperty`); the
  match type `aqkg:NoMatch` ("no SKOS mapping relation holds") is `predicate_modifier: Not`
  with `skos:mappingRelation`, the property every SKOS mapping relation specialises.
- `mapping_justification` is the SEMAPV term the justification is aligned to
  (ontology/alignments.ttl: exact or broad match), so DocumentComparison and SourceStatement
  export as semapv:ManualMappingCuration.
- `record_id` is the mapping record's own IRI; `see_also` its sources; `comment` its
  justification note; the curation status (verified, unverified, illustrative) is the
  extension column `curation_status`, declared in the metadata as SSSOM 1.0 asks.
- No license is stated for the data, so the set says so with SSSOM's "unspecified" license
  rather than inventing one.

The YAML block is written as JSON values (JSON is a subset of YAML 1.2), so no YAML library is
needed at run time and every string is quoted safely.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from aqkg.sparql.catalogue import run
from aqkg.sparql.results import plain
from aqkg.store.backend import Store

AQKG = "https://w3id.org/aqkg/ontology#"
ID_BASE = "https://w3id.org/aqkg/id/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SEMAPV = "https://w3id.org/semapv/vocab/"
UNSPECIFIED_LICENSE = "https://w3id.org/sssom/license/unspecified"
DEFAULT_SET_ID = "https://w3id.org/aqkg/downloads/aqkg-mappings.sssom.tsv"
CURATION_STATUS = "curation_status"
# Fixed prefixes; the namespaces of the records' own IRIs (id/unit/PH/, ...) are added as found.
BASE_PREFIXES = {
    "aqkg": AQKG,
    "skos": SKOS,
    "semapv": SEMAPV,
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "linkml": "https://w3id.org/linkml/",
    "sssom": "https://w3id.org/sssom/",
}
COLUMNS = (
    "record_id",
    "subject_id",
    "subject_label",
    "predicate_id",
    "predicate_modifier",
    "object_id",
    "object_label",
    "mapping_justification",
    "confidence",
    "author_label",
    "mapping_date",
    "see_also",
    "comment",
    CURATION_STATUS,
)

# One row per record; sources and authors folded in by the query (SSSOM separates list
# values with "|"). The justification's SEMAPV term comes from the alignments graph.
MAPPINGS_QUERY = """
PREFIX aqkg: <https://w3id.org/aqkg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?record ?subject ?subjectLabel ?matchType ?predicate ?object ?objectLabel
       ?justification ?semapv ?confidence ?authors ?date ?sources ?note ?curation
WHERE {
  ?record a aqkg:MappingRecord ;
      aqkg:mappingSubject ?subject ;
      aqkg:mappingPredicate ?matchType ;
      aqkg:mappingObject ?object ;
      aqkg:mappingJustification ?justification .
  OPTIONAL { ?matchType aqkg:skosMatchProperty ?predicate }
  OPTIONAL {
    ?justification skos:exactMatch|skos:broadMatch ?semapv
    FILTER(STRSTARTS(STR(?semapv), "https://w3id.org/semapv/vocab/"))
  }
  OPTIONAL { ?subject skos:prefLabel ?subjectLabel FILTER(LANGMATCHES(LANG(?subjectLabel), "en")) }
  OPTIONAL { ?object skos:prefLabel ?objectLabel FILTER(LANGMATCHES(LANG(?objectLabel), "en")) }
  OPTIONAL { ?record aqkg:confidence ?confidence }
  OPTIONAL { ?record aqkg:mappingDate ?date }
  OPTIONAL { ?record aqkg:curationStatus ?curation }
  OPTIONAL {
    ?record aqkg:justificationNote ?note FILTER(LANGMATCHES(LANG(?note), "en"))
  }
  OPTIONAL {
    SELECT ?record (GROUP_CONCAT(STR(?author); separator="|") AS ?authors) WHERE {
      { SELECT ?record ?author WHERE { ?record aqkg:mappingAuthor ?author } ORDER BY ?author }
    } GROUP BY ?record
  }
  OPTIONAL {
    SELECT ?record (GROUP_CONCAT(STR(?source); separator="|") AS ?sources) WHERE {
      { SELECT ?record ?source WHERE {
          ?record a aqkg:MappingRecord ; dcterms:source ?source
        } ORDER BY STR(?source) }
    } GROUP BY ?record
  }
}
ORDER BY ?record
"""


class ExportError(Exception):
    """An export cannot be written (no mapping records, a record the model does not allow);
    the message is one line."""


@dataclass(frozen=True)
class MappingSetInfo:
    """The mapping set's own metadata: where it is published and what it is called."""

    mapping_set_id: str = DEFAULT_SET_ID
    title: str = "aqkg: correspondences between competency units of ASEAN member states"
    description: str = (
        "Every mapping record of the ASEAN qualifications knowledge graph (aqkg): which "
        "competency unit or qualification corresponds to which, how the correspondence was "
        "found, by whom and when, with its sources and curation status. Records whose "
        "curation_status is aqkg:Illustrative are designs, not evidence."
    )


def sssom_tsv(store: Store, info: MappingSetInfo | None = None) -> str:
    """The store's mapping records as SSSOM/TSV: the YAML metadata block (each line behind
    `#`), then one row per mapping record."""
    info = info or MappingSetInfo()
    result = run(store, MAPPINGS_QUERY, {})
    at = {name: i for i, name in enumerate(result.variables)}
    rows = [{name: row[i] for name, i in at.items()} for row in result.rows]
    if not rows:
        raise ExportError("the store holds no mapping records (aqkg:MappingRecord) to export")
    prefixes = dict(BASE_PREFIXES)
    for row in rows:
        for key in ("record", "subject", "object"):
            _add_namespace(prefixes, plain(row[key]))
    table = [_row(row, prefixes) for row in rows]
    return _metadata(info, prefixes) + _tsv(table)


def _row(
    row: Mapping[str, ox.NamedNode | ox.Literal | ox.BlankNode | ox.Triple | None],
    prefixes: Mapping[str, str],
) -> dict[str, str]:
    record = plain(row["record"])
    predicate = plain(row["predicate"])
    modifier = ""
    if not predicate:
        if plain(row["matchType"]) != AQKG + "NoMatch":
            raise ExportError(
                f"mapping record {record} has match type {plain(row['matchType'])}, which "
                "names no SKOS property (aqkg:skosMatchProperty)"
            )
        predicate, modifier = SKOS + "mappingRelation", "Not"
    justification = plain(row["semapv"])
    if not justification:
        raise ExportError(
            f"mapping record {record}: its justification {plain(row['justification'])} is "
            "aligned to no SEMAPV term (ontology/alignments.ttl)"
        )

    def curies(value: str) -> str:
        return "|".join(_curie(v, prefixes) for v in value.split("|") if v)

    return {
        "record_id": _curie(record, prefixes),
        "subject_id": _curie(plain(row["subject"]), prefixes),
        "subject_label": plain(row["subjectLabel"]),
        "predicate_id": _curie(predicate, prefixes),
        "predicate_modifier": modifier,
        "object_id": _curie(plain(row["object"]), prefixes),
        "object_label": plain(row["objectLabel"]),
        "mapping_justification": _curie(justification, prefixes),
        "confidence": plain(row["confidence"]),
        "author_label": plain(row["authors"]),
        "mapping_date": plain(row["date"]),
        # see_also holds URLs, not CURIEs (SSSOM: a list of strings)
        "see_also": plain(row["sources"]),
        "comment": " ".join(plain(row["note"]).split()),
        CURATION_STATUS: curies(plain(row["curation"])),
    }


def _add_namespace(prefixes: dict[str, str], iri: str) -> None:
    """A prefix for the folder of a minted IRI: id/unit/PH/X -> `aqkg.unit.PH:X`."""
    if not iri.startswith(ID_BASE) or "/" not in iri.removeprefix(ID_BASE):
        return
    namespace = iri.rsplit("/", 1)[0] + "/"
    if namespace not in prefixes.values():
        path = namespace.removeprefix(ID_BASE).strip("/")
        prefixes["aqkg." + path.replace("/", ".")] = namespace


def _curie(iri: str, prefixes: Mapping[str, str]) -> str:
    """The CURIE of `iri` under the longest matching namespace whose local part is plain
    (no further slash or hash); the IRI itself when none fits."""
    best = ""
    for prefix, namespace in prefixes.items():
        local = iri.removeprefix(namespace)
        if (
            iri.startswith(namespace)
            and local
            and not any(c in local for c in "/#?")
            and len(namespace) > len(prefixes.get(best, ""))
        ):
            best = prefix
    return f"{best}:{iri.removeprefix(prefixes[best])}" if best else iri


def _metadata(info: MappingSetInfo, prefixes: Mapping[str, str]) -> str:
    lines = ["curie_map:"]
    lines += [f"  {json.dumps(p)}: {json.dumps(ns)}" for p, ns in sorted(prefixes.items())]
    lines += [
        f"mapping_set_id: {json.dumps(info.mapping_set_id)}",
        f"mapping_set_title: {json.dumps(info.title)}",
        f"mapping_set_description: {json.dumps(info.description)}",
        f"license: {json.dumps(UNSPECIFIED_LICENSE)}",
        "extension_definitions:",
        f"  - slot_name: {CURATION_STATUS}",
        f"    property: {json.dumps(AQKG + 'curationStatus')}",
        '    type_hint: "linkml:Uriorcurie"',
    ]
    return "".join(f"# {line}\n" for line in lines)


def _tsv(rows: Sequence[Mapping[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL
    )
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def record_count(tsv: str) -> int:
    """Rows in an SSSOM/TSV text (for messages)."""
    return sum(1 for line in _data_lines(tsv.splitlines())) - 1


def _data_lines(lines: Iterable[str]) -> Iterable[str]:
    return (line for line in lines if line and not line.startswith("#"))
