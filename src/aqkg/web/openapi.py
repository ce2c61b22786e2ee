"""The OpenAPI 3.1 description of `aqkg serve`, generated from the named query catalogue.

One path per named query (`/api/<name>`), its parameters typed from the query header, plus
the SPARQL 1.1 Protocol endpoint `/sparql` and the catalogue listing `/api`.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import metadata
from typing import Any

from aqkg.sparql.catalogue import NamedQuery, QueryParam
from aqkg.sparql.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from aqkg.sparql.param_checks import LEVEL_TYPES, DataBounds, declared_range
from aqkg.web import recognition

JsonObject = dict[str, Any]

RESULT_MEDIA_TYPES = {
    "application/sparql-results+json": {"$ref": "#/components/schemas/SparqlResults"},
    "application/sparql-results+xml": {"type": "string"},
    "text/csv": {"type": "string"},
    "text/tab-separated-values": {"type": "string"},
}
GRAPH_MEDIA_TYPES = ("text/turtle", "application/n-triples", "application/ld+json")


def openapi_document(
    queries: Mapping[str, NamedQuery], bounds: DataBounds | None = None
) -> JsonObject:
    """The document; `bounds` (read from the served data) give the member-state enum and the
    level ranges, which the server enforces (aqkg.sparql.param_checks)."""
    paths: JsonObject = {"/sparql": _sparql_path(), "/api": _catalogue_path()}
    for name, query in sorted(queries.items()):
        paths[f"/api/{name}"] = {"get": _query_operation(query, bounds)}
    paths[recognition.PATH] = recognition.openapi_path()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "aqkg: knowledge graph of ASEAN qualifications",
            "version": _version(),
            "description": (
                "Read-only access to the aqkg store: the SPARQL 1.1 Protocol at /sparql and "
                "one REST path per named query. A query naming no graph (no FROM, no "
                "default-graph-uri) sees the union of all named graphs."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": {**_schemas(), **recognition.openapi_schemas()}},
    }


def param_schema(param: QueryParam, bounds: DataBounds | None = None) -> JsonObject:
    """The JSON Schema of a query parameter, from its header type and the data's bounds."""
    if param.type in ("xsd:integer", *LEVEL_TYPES):
        schema: JsonObject = {"type": "integer"}
        limits = bounds.integer_range(param) if bounds else declared_range(param)
        if limits:
            schema["minimum"], schema["maximum"] = limits
        return schema
    if param.type == "country" and bounds and bounds.member_states:
        return {"type": "string", "enum": list(bounds.member_states)}
    return {
        "xsd:decimal": {"type": "number"},
        "xsd:date": {"type": "string", "format": "date"},
        "iri": {"type": "string", "format": "iri"},
        "country": {"type": "string", "pattern": "^[A-Za-z]{2}$"},
    }.get(param.type, {"type": "string"})


def _query_operation(query: NamedQuery, bounds: DataBounds | None) -> JsonObject:
    parameters = [_parameter(p, bounds) for p in query.params]
    if "format" not in {p.name for p in query.params}:
        parameters.append(_format_parameter(["json", "xml", "csv", "tsv"]))
    success: JsonObject = {"description": "the query results", "content": _results_content()}
    if query.paged:
        parameters += _page_parameters()
        success["description"] = "one page of the query results"
        success["headers"] = _page_headers()
    return {
        "operationId": f"query_{query.name}",
        "summary": query.summary or query.name,
        "description": query.description,
        "tags": query.tags,
        "parameters": parameters,
        "responses": {
            "200": success,
            **_errors(400, 404, 406, 503, json_errors=True),
        },
    }


def _parameter(param: QueryParam, bounds: DataBounds | None) -> JsonObject:
    description = f"{param.type}" + (f", {param.description}" if param.description else "")
    if param.type == "country":
        description += " (ISO 3166-1 alpha-2 code of a member state)"
    return {
        "name": param.name,
        "in": "query",
        "required": param.required,
        "description": description,
        "schema": param_schema(param, bounds),
    }


def _page_parameters() -> list[JsonObject]:
    """A listing query's page (aqkg.sparql.paging)."""
    return [
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "description": "rows on the page",
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_PAGE_SIZE,
                "default": DEFAULT_PAGE_SIZE,
            },
        },
        {
            "name": "offset",
            "in": "query",
            "required": False,
            "description": "rows skipped before the page",
            "schema": {"type": "integer", "minimum": 0, "default": 0},
        },
    ]


def _page_headers() -> JsonObject:
    return {
        "AQKG-Total-Count": {
            "description": "the number of rows of all the pages",
            "schema": {"type": "integer", "minimum": 0},
        },
        "Link": {
            "description": 'the previous and next pages (RFC 8288, rel="prev" and rel="next")',
            "schema": {"type": "string"},
        },
    }


def _format_parameter(values: list[str]) -> JsonObject:
    return {
        "name": "format",
        "in": "query",
        "required": False,
        "description": "overrides the Accept header",
        "schema": {"type": "string", "enum": values},
    }


def _sparql_path() -> JsonObject:
    dataset = [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": description,
            "schema": {"type": "array", "items": {"type": "string", "format": "iri"}},
            "explode": True,
        }
        for name, description in (
            (
                "default-graph-uri",
                "graphs merged into the default graph; given with or without named-graph-uri, "
                "they replace the query's FROM and FROM NAMED (default: its FROM, else the "
                "union of every graph)",
            ),
            (
                "named-graph-uri",
                "graphs visible to GRAPH; given with or without default-graph-uri, they replace "
                "the query's FROM and FROM NAMED (default: its FROM NAMED, else every graph)",
            ),
        )
    ]
    formats = _format_parameter(["json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld"])
    responses = {
        "200": {
            "description": "SELECT/ASK results, or the graph of a CONSTRUCT/DESCRIBE",
            "content": {
                **_results_content(),
                **{t: {"schema": {"type": "string"}} for t in GRAPH_MEDIA_TYPES},
            },
        },
        **_errors(400, 403, 406, 413, 415, 503, json_errors=False),
    }
    query_param = {
        "name": "query",
        "in": "query",
        "required": True,
        "description": "a SPARQL 1.1 query (SELECT, ASK, CONSTRUCT or DESCRIBE)",
        "schema": {"type": "string"},
    }
    return {
        "get": {
            "operationId": "sparql_get",
            "summary": "SPARQL 1.1 query (read-only; no UPDATE, no SERVICE)",
            "parameters": [query_param, *dataset, formats],
            "responses": responses,
        },
        "post": {
            "operationId": "sparql_post",
            "summary": "SPARQL 1.1 query in the request body",
            "parameters": [*dataset, formats],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "properties": {"query": {"type": "string"}},
                            "required": ["query"],
                        }
                    },
                    "application/sparql-query": {"schema": {"type": "string"}},
                },
            },
            "responses": responses,
        },
    }


def _catalogue_path() -> JsonObject:
    return {
        "get": {
            "operationId": "list_queries",
            "summary": "The named queries with their parameters",
            "responses": {
                "200": {
                    "description": "the catalogue",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Catalogue"}}
                    },
                }
            },
        }
    }


def _results_content() -> JsonObject:
    return {media: {"schema": schema} for media, schema in RESULT_MEDIA_TYPES.items()}


def _errors(*statuses: int, json_errors: bool) -> JsonObject:
    reasons = {
        400: "bad query or parameter (the message says which)",
        403: "refused: the endpoint is read-only and does not run SERVICE",
        404: "no such named query",
        406: "none of the accepted media types fits the result",
        413: "request body too large",
        415: "unsupported request content type",
        503: "the query ran past the time limit, or every worker is busy",
    }
    content = (
        {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        if json_errors
        else {"text/plain": {"schema": {"type": "string"}}}
    )
    return {str(s): {"description": reasons[s], "content": content} for s in statuses}


def _schemas() -> JsonObject:
    term = {
        "type": "object",
        "required": ["type", "value"],
        "properties": {
            "type": {"enum": ["uri", "literal", "bnode", "triple"]},
            "value": {},
            "datatype": {"type": "string"},
            "xml:lang": {"type": "string"},
        },
    }
    return {
        "SparqlResults": {
            "description": "SPARQL 1.1 Query Results JSON Format",
            "type": "object",
            "required": ["head"],
            "properties": {
                "head": {
                    "type": "object",
                    "properties": {"vars": {"type": "array", "items": {"type": "string"}}},
                },
                "boolean": {"type": "boolean"},
                "results": {
                    "type": "object",
                    "properties": {
                        "bindings": {
                            "type": "array",
                            "items": {"type": "object", "additionalProperties": term},
                        }
                    },
                },
            },
        },
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
        },
        "Catalogue": {
            "type": "object",
            "properties": {"queries": {"type": "array", "items": {"type": "object"}}},
        },
    }


def _version() -> str:
    try:
        return metadata.version("aqkg")
    except metadata.PackageNotFoundError:
        return "0.0.0"
