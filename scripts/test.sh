#!/usr/bin/env bash
# Set up, then run every check: lint, types, the whole test suite (nothing skipped for a
# missing service: setup.sh installs what the tests need).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check src tests
.venv/bin/mypy
.venv/bin/pytest -q "$@"
