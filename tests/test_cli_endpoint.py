"""The command line against a real Virtuoso: `--endpoint URL` builds, queries and recognises
exactly as the embedded store does; credentials come from the environment only."""

from __future__ import annotations

import json

import pytest

from aqkg.cli import main
from aqkg.virtuoso_local import LocalVirtuoso

pytest_plugins = ["virtuoso_fixture"]


@pytest.fixture
def endpoint(virtuoso: LocalVirtuoso, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AQKG_ENDPOINT_USER", virtuoso.user)
    monkeypatch.setenv("AQKG_ENDPOINT_PASSWORD", virtuoso.password)
    return virtuoso.sparql_url


def test_build_query_recognise_through_the_endpoint(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", "--endpoint", endpoint]) == 0
    assert f"written to {endpoint}" in capsys.readouterr().out

    assert main(["query", "referencing-status", "--endpoint", endpoint, "--format", "csv"]) == 0
    on_endpoint = capsys.readouterr().out
    assert main(["query", "referencing-status", "--memory", "--format", "csv"]) == 0
    assert sorted(on_endpoint.splitlines()) == sorted(capsys.readouterr().out.splitlines())

    args = ["recognise", "TH/DSD-BEW-L1", "--to", "KH", "--format", "json"]
    assert main([*args, "--endpoint", endpoint]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["candidates"][0]["qualification"]["iri"].endswith("/KH/ILLUS-BEW")


def test_writing_without_credentials_is_one_line(
    virtuoso: LocalVirtuoso, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AQKG_ENDPOINT_USER", raising=False)
    monkeypatch.delenv("AQKG_ENDPOINT_PASSWORD", raising=False)
    assert main(["build", "--endpoint", virtuoso.sparql_url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "AQKG_ENDPOINT_USER" in err
