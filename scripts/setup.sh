#!/usr/bin/env bash
# Set up a fresh machine: system packages the tests need, then a virtualenv with aqkg in it.
# Idempotent: run it as often as you like.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)  # HermiT, via owlready2
command -v virtuoso-t >/dev/null 2>&1 || need_apt+=(virtuoso-opensource-7-bin)  # endpoint tests
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)  # explorer end-to-end test
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
# Khmer, Lao, Myanmar and Thai names render in the explorer's screenshots
fc-list 2>/dev/null | grep -qi "noto sans khmer" || need_apt+=(fonts-noto-core)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)  # axe-core, for the accessibility checks

if ((${#need_apt[@]})); then
  echo "setup: installing ${need_apt[*]} with apt-get"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need_apt[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
# axe-core from npm, pinned by tests/e2e-node/package-lock.json
[ -f tests/e2e-node/node_modules/axe-core/axe.min.js ] ||
  npm ci --prefix tests/e2e-node --no-audit --no-fund --silent
echo "setup: ready (.venv)"
