"""`GET /api/recognise` over HTTP on the shipped data: the CLI's JSON, `to=all`, errors as
one-line JSON, and the OpenAPI schema generated from the engine's dataclasses."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from aqkg.recognition.engine import format_recognition, recognise
from aqkg.store.embedded import EmbeddedStore
from aqkg.web.server import QueryServer

pytest_plugins = ["served_store"]


def get(server: QueryServer, path: str, **params: str) -> tuple[int, Any]:
    url = server.url + path + ("?" + urllib.parse.urlencode(params) if params else "")
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            assert response.headers["Content-Type"] == "application/json"
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_route_answers_what_the_cli_answers(
    shipped_server: QueryServer, shipped_store: Path
) -> None:
    status, payload = get(shipped_server, "/api/recognise", qualification="TH/DSD-BEW-L1", to="KH")
    assert status == 200
    expected = format_recognition(
        recognise(EmbeddedStore.open(shipped_store), "TH/DSD-BEW-L1", "KH"), "json"
    )
    assert payload == json.loads(expected)
    assert payload["summary"]["verdicts"][0]["target"] == "KH/ILLUS-BEW"


def test_every_destination(shipped_server: QueryServer) -> None:
    status, payload = get(shipped_server, "/api/recognise", qualification="TH/DSD-BEW-L1", to="all")
    assert status == 200
    assert payload["format"] == "aqkg-recognition-everywhere/1"
    assert payload["destinations"][0]["country"] == "KH"
    assert len(payload["destinations"]) == 10


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"qualification": "TH/NO-SUCH", "to": "KH"}, "TH/NO-SUCH"),
        ({"qualification": "TH/DSD-BEW-L1", "to": "XX"}, "unknown country 'XX'"),
        ({"qualification": "TH/DSD-BEW-L1", "to": "TH"}, "already a TH qualification"),
        ({"qualification": "TH/DSD-BEW-L1"}, "give `to`"),
        ({"to": "KH"}, "give `qualification`"),
    ],
)
def test_a_bad_question_is_a_400_in_one_line(
    shipped_server: QueryServer, params: dict[str, str], message: str
) -> None:
    status, payload = get(shipped_server, "/api/recognise", **params)
    assert status == 400
    assert message in payload["error"] and "\n" not in payload["error"]


def test_the_openapi_schema_describes_the_answer(shipped_server: QueryServer) -> None:
    status, document = get(shipped_server, "/openapi.json")
    assert status == 200
    operation = document["paths"]["/api/recognise"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["qualification", "to"]
    schemas = document["components"]["schemas"]
    _, payload = get(
        shipped_server, "/api/recognise", qualification="PH/HOUSEKEEPING-NC-II", to="VN"
    )
    # every field of the answer is a property of the schema, nested ones too
    assert set(payload) == set(schemas["Recognition"]["properties"])
    assert set(payload["summary"]) == set(schemas["Summary"]["properties"])
    assert set(payload["summary"]["authorities"][0]) == set(schemas["Authority"]["properties"])
    assert schemas["Verdict"]["properties"]["kind"] == {"enum": ["qualification", "certification"]}
    assert schemas["Recognition"]["properties"]["summary"] == {
        "anyOf": [{"$ref": "#/components/schemas/Summary"}, {"type": "null"}]
    }


def test_an_answer_that_needs_unpublished_pairings_carries_a_note(
    shipped_server: QueryServer,
) -> None:
    url = shipped_server.url + "/api/qualifications-at-aqrf-level?level=4"
    with urllib.request.urlopen(url, timeout=60) as response:
        note = response.headers["AQKG-Note"]
        assert json.loads(response.read())["results"]["bindings"] == []
    assert note.startswith("no member state's NQF-to-AQRF level pairings are published")
    with urllib.request.urlopen(shipped_server.url + "/api/frameworks", timeout=60) as response:
        assert response.headers["AQKG-Note"] is None
