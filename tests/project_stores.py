"""Fixtures: the project's files loaded into a store (`context`), written once per test module
(`base_store`), and a fresh copy of that store for each test to publish into (`store_path`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aqkg.intake.project_files import load_project_files
from aqkg.store.embedded import EmbeddedStore, replace_store_directory


@pytest.fixture(scope="module")
def context() -> EmbeddedStore:
    return load_project_files()


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory, context: EmbeddedStore) -> Path:
    path = tmp_path_factory.mktemp("base") / "store"
    replace_store_directory(path, context)
    return path


@pytest.fixture
def store_path(tmp_path: Path, base_store: Path) -> Path:
    path = tmp_path / ".aqkg" / "store"
    shutil.copytree(base_store, path)
    return path
