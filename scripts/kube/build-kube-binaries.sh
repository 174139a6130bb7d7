#!/usr/bin/env bash
# Builds a real kube-apiserver and etcd for the Kubernetes runtime tests, from the Go module proxy, and caches
# them under ${KELOS_KUBE_CACHE:-$HOME/.cache/kelos-kube}/<k8s version>/bin. A second run reuses them at once.
#
# k8s.io/kubernetes is not meant to be imported: its go.mod replaces every staging module (k8s.io/api, ...) with
# a local ./staging path. A throw-away module generated here (never committed) requires k8s.io/kubernetes and
# replaces each staging module with its published twin (v1.X.Y <-> v0.X.Y), then builds cmd/kube-apiserver.
# etcd's server module has local replaces too, so a two-line wrapper calling etcdmain.Main is built instead.
# Prints the bin directory on the last line of stdout.
set -euo pipefail

K8S_VERSION="${KELOS_K8S_VERSION:-v1.34.4}"
ETCD_VERSION="${KELOS_ETCD_VERSION:-v3.6.16}"
CACHE="${KELOS_KUBE_CACHE:-$HOME/.cache/kelos-kube}"
BIN="$CACHE/$K8S_VERSION/bin"
# shellcheck source=../lib/go-build-cache.sh
source "$(dirname "$0")/../lib/go-build-cache.sh"
go_build_cache_init kube-build "$CACHE"

reuse_if_built "$BIN" "$BIN/kube-apiserver" "$BIN/etcd"
require_go
mkdir -p "$BIN"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
STAGING_VERSION="v0.${K8S_VERSION#v1.}"

if [ ! -x "$BIN/kube-apiserver" ]; then
  log "kube-apiserver $K8S_VERSION (staging modules $STAGING_VERSION)"
  mkdir "$WORK/apiserver" && cd "$WORK/apiserver"
  go mod init kelos.local/kube-apiserver-build >/dev/null 2>&1
  log "downloading k8s.io/kubernetes@$K8S_VERSION"
  timed go mod download k8s.io/kubernetes@"$K8S_VERSION"
  KUBE_GOMOD="$(go mod download -json k8s.io/kubernetes@"$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  go mod edit -require=k8s.io/kubernetes@"$K8S_VERSION"
  # Every `k8s.io/<m> => ./staging/src/k8s.io/<m>` becomes `k8s.io/<m> => k8s.io/<m> v0.X.Y`.
  for module in $(sed -n 's#^[[:space:]]*\(k8s.io/[^[:space:]]*\)[[:space:]]*=>[[:space:]]*\./staging/.*#\1#p' "$KUBE_GOMOD"); do
    go mod edit -replace="$module=$module@$STAGING_VERSION"
  done
  printf 'package tools\n\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver/app"\n' > tools.go
  log "resolving dependencies"
  timed go mod tidy >/dev/null 2>&1 || timed go mod tidy
  MINOR="${K8S_VERSION#v1.}"; MINOR="${MINOR%%.*}"
  LDFLAGS="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$MINOR"
  log "compiling kube-apiserver (the long part on 2 cores)"
  timed nice -n 19 go build -trimpath -ldflags "$LDFLAGS" -o "$BIN/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
fi

if [ ! -x "$BIN/etcd" ]; then
  log "etcd $ETCD_VERSION"
  mkdir "$WORK/etcd" && cd "$WORK/etcd"
  go mod init kelos.local/etcd-build >/dev/null 2>&1
  printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' > main.go
  go mod edit -require=go.etcd.io/etcd/server/v3@"$ETCD_VERSION"
  timed go mod tidy >/dev/null 2>&1 || timed go mod tidy
  timed nice -n 19 go build -trimpath -ldflags "-s -w" -o "$BIN/etcd" .
fi

log "built into $BIN"
echo "$BIN"
