#!/usr/bin/env bash
# Builds the helm CLI for the Helm chart tests (test/kube/helm-chart.test.ts) from the Go module proxy and caches
# it under ${KELOS_HELM_CACHE:-$HOME/.cache/kelos-helm}/<version>/bin/helm. A second run reuses it at once.
# helm.sh/helm/v4 has no replace directives, so `go install module/cmd/helm@version` builds it as released, with
# its own go.sum; the version string is set as helm's own Makefile does. Prints the helm binary's path.
set -euo pipefail

VERSION="${KELOS_HELM_VERSION:-v4.3.2}"
CACHE="${KELOS_HELM_CACHE:-$HOME/.cache/kelos-helm}"
BIN="$CACHE/$VERSION/bin"
# shellcheck source=../lib/go-build-cache.sh
source "$(dirname "$0")/../lib/go-build-cache.sh"
go_build_cache_init helm-build "$CACHE"

reuse_if_built "$BIN/helm" "$BIN/helm"
require_go
mkdir -p "$BIN"
MAJOR="${VERSION%%.*}"
# Built into a private directory and moved into place: an interrupted build never leaves a half-written binary.
WORK="$(mktemp -d "$CACHE/.build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
log "helm $VERSION"
timed env GOBIN="$WORK" nice -n 19 go install -trimpath -ldflags "-s -w -X helm.sh/helm/$MAJOR/internal/version.version=$VERSION" "helm.sh/helm/$MAJOR/cmd/helm@$VERSION"
mv "$WORK/helm" "$BIN/helm"
log "built $BIN/helm"
echo "$BIN/helm"
