#!/usr/bin/env bash
# Sets up everything Casebook's checks need on a fresh machine, then runs them:
# ruff, mypy, the import-layering contract and pytest (headless). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${CASEBOOK_VENV:-.venv}"

# Qt needs a few system libraries even when it draws offscreen.
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  missing=()
  # fonts-liberation: the Arial-metric font figures use where Arial and Helvetica are not installed
  for pkg in libegl1 libgl1 libfontconfig1 libxkbcommon0 libdbus-1-3 libglib2.0-0 fonts-liberation; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# (pip's notes about this machine's extra package folders are noise; errors still stop the script)
"$venv/bin/python" -m pip install -q --disable-pip-version-check -e ".[dev]" 2>&1 \
  | { grep -v "^WARNING: Location" || true; }

export QT_QPA_PLATFORM=offscreen
echo "== ruff";          "$venv/bin/ruff" check .
echo "== mypy";          "$venv/bin/mypy"
echo "== import layers"; "$venv/bin/lint-imports"
echo "== pytest";        "$venv/bin/python" -m pytest "$@"
