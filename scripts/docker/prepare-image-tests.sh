#!/usr/bin/env bash
# Everything `npm run test:image` needs before jest: a Docker engine, the stand-in base image, Compose v2, and the
# project's image built from the Dockerfile as it is, both targets (tags kelos-temporal:test and :test-agents).
# Prints how long each step took.
set -euo pipefail
cd "$(dirname "$0")/../.."
step() {
  local name="$1"; shift
  local start=$SECONDS
  "$@"
  echo "== $name: $((SECONDS - start)) s" >&2
}
log="${TMPDIR:-/tmp}/kelos-image-build.log"
build() {
  docker build --network host --target "$1" -t "$2" . >"$log" 2>&1 || { tail -n 40 "$log" >&2; exit 1; }
}
step "docker engine" bash scripts/docker/start-dockerd.sh
step "base image node:20-bookworm-slim (stand-in)" bash scripts/docker/build-base-image.sh
step "docker compose" bash scripts/docker/install-compose.sh
step "image, target runtime" build runtime kelos-temporal:test
step "image, target agents" build agents kelos-temporal:test-agents
