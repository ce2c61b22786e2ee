#!/usr/bin/env bash
# Set up, then run every check: lint, types, the whole test suite (nothing skipped for a
# missing service: setup.sh installs what the tests need).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check src tests
.venv/bin/mypy
# one test file per worker, one worker per core (pytest-xdist): the files share nothing on
# disk or on the network (every store, server and port is a test's own)
.venv/bin/pytest -q -n auto --dist loadfile "$@"
