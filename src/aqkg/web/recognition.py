"""`GET /api/recognise?qualification=XX/CODE&to=YY|all`: the recognition engine over HTTP.

The answer is the JSON of `aqkg recognise --format json` (or, for `to=all`, of
`aqkg recognise --to all --format json`), computed in a query worker under the server's time
limit like any query. Its OpenAPI schema is generated from the engine's result dataclasses,
so the document cannot drift from what the route returns.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any

from aqkg.recognition.engine import (
    Everywhere,
    Recognition,
    RecognitionError,
    format_everywhere,
    format_recognition,
    recognise,
    recognise_everywhere,
)
from aqkg.sparql.jobs import Failure, Outcome, Success, Task
from aqkg.store.backend import Store

PATH = "/api/recognise"
PARAMETERS = ("qualification", "to")
JsonObject = dict[str, Any]


def task(qualification: str, to: str) -> Task:
    return Task(answer, {"qualification": qualification, "to": to})


def answer(store: Store, arguments: Mapping[str, str]) -> Outcome:
    """Run in a query worker: the engine's JSON, or a 400 with the engine's one-line reason."""
    qualification, to = arguments["qualification"], arguments["to"]
    try:
        if to.strip().lower() == "all":
            text = format_everywhere(recognise_everywhere(store, qualification), "json")
        else:
            text = format_recognition(recognise(store, qualification, to), "json")
    except RecognitionError as error:
        return Failure(400, str(error))
    return Success("application/json", text.encode("utf-8"))


# -- OpenAPI ----------------------------------------------------------------------------------


def openapi_path() -> JsonObject:
    return {
        "get": {
            "operationId": "recognise",
            "summary": "What a qualification may be recognised as in another member state",
            "description": (
                "The recognition engine's answer, as `aqkg recognise --format json` gives it: "
                "a plain summary first (a verdict per candidate, what to do next, whom to ask, "
                "and that this is not an official decision), then every candidate with its "
                "basis, levels, unit coverage both ways and the sources and curation status of "
                "each step. `to=all` answers for every other member state, best first, one "
                "summary each."
            ),
            "tags": ["recognition"],
            "parameters": [
                {
                    "name": "qualification",
                    "in": "query",
                    "required": True,
                    "description": "the held qualification: XX/CODE or its IRI",
                    "schema": {"type": "string"},
                },
                {
                    "name": "to",
                    "in": "query",
                    "required": True,
                    "description": "destination: ISO 3166-1 alpha-2 code or English name of "
                    "a member state, or `all`",
                    "schema": {"type": "string"},
                },
            ],
            "responses": {
                "200": {
                    "description": "the answer (for `to=all`, one summary per destination)",
                    "content": {
                        "application/json": {
                            "schema": {
                                "oneOf": [
                                    {"$ref": "#/components/schemas/Recognition"},
                                    {"$ref": "#/components/schemas/Everywhere"},
                                ]
                            }
                        }
                    },
                },
                "400": _error("unknown qualification or country, or a missing parameter"),
                "503": _error(
                    "the answer took longer than the time limit, or every worker is busy"
                ),
            },
        }
    }


def _error(description: str) -> JsonObject:
    schema = {"$ref": "#/components/schemas/Error"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_schemas() -> JsonObject:
    """JSON Schemas of the answer, generated from the engine's dataclasses."""
    schemas: JsonObject = {}
    _schema_of(Recognition, schemas)
    _schema_of(Everywhere, schemas)
    schemas["Recognition"]["properties"]["format"] = {"const": "aqkg-recognition/1"}
    schemas["Everywhere"]["properties"]["format"] = {"const": "aqkg-recognition-everywhere/1"}
    return schemas


def _schema_of(cls: type, schemas: JsonObject) -> JsonObject:
    """A $ref to `cls`'s schema, written into `schemas` (with the classes it holds) once."""
    name = cls.__name__
    if name not in schemas:
        schemas[name] = {}  # placed first, so a class that holds itself ends
        hints = typing.get_type_hints(cls)
        fields = dataclasses.fields(cls)
        schemas[name] = {
            "type": "object",
            "required": [f.name for f in fields],
            "properties": {f.name: _type_schema(hints[f.name], schemas) for f in fields},
        }
    return {"$ref": f"#/components/schemas/{name}"}


def _type_schema(hint: Any, schemas: JsonObject) -> JsonObject:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _schema_of(hint, schemas)
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_type_schema(a, schemas) for a in args]}
    if origin is tuple:
        return {"type": "array", "items": _type_schema(args[0], schemas)}
    simple = {str: "string", int: "integer", float: "number", bool: "boolean"}
    if hint is type(None):
        return {"type": "null"}
    if hint in simple:
        return {"type": simple[hint]}
    raise TypeError(f"no JSON Schema for {hint!r}")
