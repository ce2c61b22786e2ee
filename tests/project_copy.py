"""Fixture: a copy of the project's ontology, shapes, queries and data as AQKG_HOME, so a test
can plant a bad file or cell and run the real build on it without touching the checkout."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from aqkg.paths import project_root


@pytest.fixture
def project_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for folder in ("ontology", "shapes", "queries", "data"):
        shutil.copytree(project_root() / folder, tmp_path / folder)
    monkeypatch.setenv("AQKG_HOME", str(tmp_path))
    yield tmp_path
