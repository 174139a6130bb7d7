#!/usr/bin/env bash
# Docker Compose v2 for the image tests: the machine's `docker compose` if it has one, else the `docker-compose`
# plugin built from the Go module proxy once (github.com/docker/compose/v2/cmd), cached in ~/.cache/kelos-docker/.
set -euo pipefail
if docker compose version >/dev/null 2>&1; then exit 0; fi
version="${KELOS_COMPOSE_VERSION:-v2.40.3}"
cache="${KELOS_DOCKER_CACHE:-$HOME/.cache/kelos-docker}"
bin="$cache/compose-$version/docker-compose"
if [ ! -x "$bin" ]; then
  command -v go >/dev/null || { echo "install-compose: Go is needed to build Compose $version" >&2; exit 1; }
  mkdir -p "$cache/compose-$version"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  # Compose's go.mod has replace/exclude directives, so `go install pkg@version` refuses it: build inside the module.
  src="$(GOFLAGS=-mod=mod go mod download -json "github.com/docker/compose/v2@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  cp -r "$src" "$work/src" && chmod -R u+w "$work/src"
  (cd "$work/src" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath \
    -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$version" -o "$work/docker-compose" ./cmd) >&2
  mv "$work/docker-compose" "$bin.tmp" && mv "$bin.tmp" "$bin"
fi
# As a CLI plugin, so `docker compose` works too.
plugins="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
mkdir -p "$plugins"
[ "$(readlink "$plugins/docker-compose" 2>/dev/null)" = "$bin" ] || ln -sfn "$bin" "$plugins/docker-compose"
