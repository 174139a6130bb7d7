# Sourced by the scripts that build test tools from the Go module proxy (scripts/kube, scripts/helm,
# scripts/prod-temporal): the log helpers, a Go environment whose module and build caches live in the tool's own
# cache directory, and the early exit when everything wanted is already built.
#   go_build_cache_init TAG CACHE   sets up logging as [TAG] and GOMODCACHE/GOCACHE under CACHE
#   reuse_if_built RESULT PATH...   prints RESULT and exits 0 when every PATH is there (executable, or a directory)
#   require_go                      stops with a message when go is not installed
#   timed CMD...                    runs CMD and logs how long it took

go_build_cache_init() {
  GO_BUILD_TAG="$1"
  export GOMODCACHE="$2/gomod" GOCACHE="$2/gocache" GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
  export PATH="$PATH:/usr/local/go/bin"
}

log() { echo "[$GO_BUILD_TAG] $*" >&2; }
timed() { local start=$SECONDS; "$@"; log "  ... $((SECONDS - start)) s"; }

reuse_if_built() {
  local result="$1" path
  shift
  for path in "$@"; do [ -x "$path" ] || return 0; done
  log "reusing $result"
  echo "$result"
  exit 0
}

require_go() {
  command -v go >/dev/null || { log "go is not installed"; exit 1; }
}
