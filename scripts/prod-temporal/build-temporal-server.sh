#!/usr/bin/env bash
# Builds a real Temporal server (cmd/server) and its SQL schema tool (cmd/tools/sql) from the Go module proxy for the
# production test bed, and caches them with the PostgreSQL schemas of the same version under
# ${KELOS_TEMPORAL_SERVER_CACHE:-$HOME/.cache/kelos-temporal-server}/<version>/{bin,schema}. A second run reuses
# them at once. go.temporal.io/server has no replace directives, so `go install module/pkg@version` builds it as
# released, with its own go.sum. Prints the version directory on the last line of stdout.
set -euo pipefail

# v1.32.0 is the newest release whose go.mod accepts this machine's Go (1.26.8); later patch releases ask for 1.26.10.
VERSION="${KELOS_TEMPORAL_SERVER_VERSION:-v1.32.0}"
CACHE="${KELOS_TEMPORAL_SERVER_CACHE:-$HOME/.cache/kelos-temporal-server}"
DIR="$CACHE/$VERSION"
BIN="$DIR/bin"
SCHEMA="$DIR/schema"
# shellcheck source=../lib/go-build-cache.sh
source "$(dirname "$0")/../lib/go-build-cache.sh"
go_build_cache_init temporal-build "$CACHE"

reuse_if_built "$DIR" "$BIN/temporal-server" "$BIN/temporal-sql-tool" "$SCHEMA/temporal" "$SCHEMA/visibility"
require_go
mkdir -p "$BIN"
MODULE="go.temporal.io/server"
# The server's version string comes from its source; -s -w only drops symbols to keep the binary small.
LDFLAGS="-s -w"

# Each result is written into a private directory and moved into place, so a build that was interrupted, or one
# running at the same time, never leaves a half-written binary where the check above would take it for done.
WORK="$(mktemp -d "$DIR/.build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

if [ ! -x "$BIN/temporal-server" ]; then
  log "temporal-server $VERSION (the long part on 2 cores)"
  timed env GOBIN="$WORK" nice -n 19 go install -trimpath -ldflags "$LDFLAGS" "$MODULE/cmd/server@$VERSION"
  mv "$WORK/server" "$BIN/temporal-server"
fi

if [ ! -x "$BIN/temporal-sql-tool" ]; then
  log "temporal-sql-tool $VERSION"
  timed env GOBIN="$WORK" nice -n 19 go install -trimpath -ldflags "$LDFLAGS" "$MODULE/cmd/tools/sql@$VERSION"
  mv "$WORK/sql" "$BIN/temporal-sql-tool"
fi

if [ ! -d "$SCHEMA/temporal" ] || [ ! -d "$SCHEMA/visibility" ]; then
  # The schema files of the same version, from the module source the build downloaded.
  SRC="$(go mod download -json "$MODULE@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  mkdir "$WORK/schema"
  cp -r "$SRC/schema/postgresql/v12/temporal" "$SRC/schema/postgresql/v12/visibility" "$WORK/schema/"
  chmod -R u+w "$WORK/schema"
  rm -rf "$SCHEMA" && mv "$WORK/schema" "$SCHEMA"
fi

log "built into $DIR"
echo "$DIR"
