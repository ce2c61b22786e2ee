"""Parameters checked against the data they name, in the CLI, the REST API and the explorer's
deep links (issue 17, item 4): a member state the graph holds, a level within the framework's
range, an IRI some record has; one clear message otherwise (exit 2, HTTP 400, st.error)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from aqkg.cli.main import main
from aqkg.sparql.member_states import member_state_codes
from aqkg.web.server import QueryServer

pytest_plugins = ["served_store"]

ID = "https://w3id.org/aqkg/id/"
# (query, parameters, what the refusal says); None: the value is accepted
CASES = [
    ("qualifications-at-aqrf-level", {"level": "8"}, None),  # the AQRF's top level
    ("qualifications-at-aqrf-level", {"level": "9"}, "level='9' is not a level of the AQRF"),
    ("qualifications-at-aqrf-level", {"level": "0"}, "use a level from 1 to 8"),
    ("frameworks", {"country": "TL"}, None),  # the eleventh member state
    ("frameworks", {"country": "la"}, None),
    ("frameworks", {"country": "XX"}, "country='XX' is not a member state in the graph"),
    ("recognition-qualification", {"qualification": ID + "qualification/PH/MASONRY-NC-II"}, None),
    (
        "recognition-qualification",
        {"qualification": ID + "qualification/PH/MASONRY-NC-X"},
        # the records most like the wrong one first
        "is not in the graph; records under https://w3id.org/aqkg/id/qualification/PH/: "
        "MASONRY-NC-I, MASONRY-NC-II",
    ),
    ("sources-of", {"node": "https://example.org/nothing"}, "give the IRI of a record"),
]


def _ids(case: tuple[str, dict[str, str], str | None]) -> str:
    query, params, refused = case
    return f"{query}-{'-'.join(params.values()).rsplit('/', 1)[-1]}-{'no' if refused else 'ok'}"


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_cli_exit_2_with_one_line(
    shipped_store: Path, capsys: pytest.CaptureFixture[str], case: tuple[str, dict[str, str], str]
) -> None:
    query, params, refused = case
    options = [f"--param={name}={value}" for name, value in params.items()]
    code = main(["query", "--store", str(shipped_store), query, *options, "--format", "csv"])
    err = capsys.readouterr().err
    if refused is None:
        assert code == 0, err
    else:
        assert code == 2
        assert refused in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def _get(server: QueryServer, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(server.url + path, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_api_400_with_a_json_error(
    shipped_server: QueryServer, case: tuple[str, dict[str, str], str]
) -> None:
    query, params, refused = case
    status, body = _get(shipped_server, f"/api/{query}?{urllib.parse.urlencode(params)}")
    if refused is None:
        assert status == 200, body
    else:
        assert status == 400
        assert refused in json.loads(body)["error"]


def test_openapi_bounds_come_from_the_data(shipped_server: QueryServer) -> None:
    document = json.loads(_get(shipped_server, "/openapi.json")[1])
    operation = document["paths"]["/api/qualifications-at-aqrf-level"]["get"]
    params = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert params["level"] == {"type": "integer", "minimum": 1, "maximum": 8}
    assert params["country"]["enum"] == list(member_state_codes())
    assert len(params["country"]["enum"]) == 11 and "TL" in params["country"]["enum"]
