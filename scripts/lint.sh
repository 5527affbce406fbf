#!/usr/bin/env bash
# make lint: ruff with the project's rule set (ruff.toml). Ruff is a developer tool, not a plugin
# dependency: it is taken from PATH, else installed once into a private venv (PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
ruff_bin=$(command -v ruff || true)
if [ -z "$ruff_bin" ]; then
  venv="${SMD_TOOLS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/smd-tools-venv}"
  if [ ! -x "$venv/bin/ruff" ]; then
    /usr/bin/python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'ruff>=0.5'
  fi
  ruff_bin="$venv/bin/ruff"
fi
"$ruff_bin" --version
"$ruff_bin" check .
