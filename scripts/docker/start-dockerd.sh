#!/usr/bin/env bash
# Starts a Docker engine for the image tests when none runs: Debian's docker.io, without a bridge network or
# iptables rules (containers use --network host, so their traffic stays on loopback). Idempotent.
set -euo pipefail
export DOCKER_HOST="${DOCKER_HOST:-unix:///var/run/docker.sock}"
if docker info >/dev/null 2>&1; then exit 0; fi
sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
if ! command -v dockerd >/dev/null; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends docker.io >/dev/null
fi
data_root="${KELOS_DOCKERD_DATA_ROOT:-/var/lib/kelos-docker}"
log="${KELOS_DOCKERD_LOG:-/var/log/kelos-dockerd.log}"
$sudo mkdir -p "$data_root"
# setsid: the engine outlives this script (and the test run that started it), as a system service would.
$sudo setsid sh -c 'exec "$@" >"$0" 2>&1 </dev/null' "$log" \
  dockerd --bridge=none --iptables=false --ip6tables=false --data-root "$data_root" --host "$DOCKER_HOST" &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then exit 0; fi
  sleep 1
done
echo "dockerd did not come up in 60 s; the end of $log:" >&2
tail -n 30 "$log" >&2
exit 1
