#!/usr/bin/env bash
# No image registry is reachable here, so the Dockerfile's base (node:20-bookworm-slim) is made locally: Debian
# bookworm (minbase, by debootstrap from Debian's mirror) plus this machine's Node 20 and its npm, laid out as the
# official image lays them out (/usr/local/bin/node, /usr/local/lib/node_modules/npm), imported with `docker import`
# and tagged with the official name. The root file system is cached per Node version, so a warm run only imports.
set -euo pipefail
tag="${KELOS_BASE_IMAGE:-node:20-bookworm-slim}"
node_bin="$(readlink -f "$(command -v node)")"
node_version="$("$node_bin" --version)"
case "$node_version" in v20.*) ;; *) echo "build-base-image: $tag needs Node 20, this machine has $node_version" >&2; exit 1;; esac
npm_dir="$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)"
npm_version="$(node -p "require('$npm_dir/package.json').version")"
cache="${KELOS_DOCKER_CACHE:-$HOME/.cache/kelos-docker}"
mirror="${KELOS_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
tarball="$cache/node-$node_version-npm-$npm_version-bookworm-slim.tar"
key="$node_version npm $npm_version ca $(cat "${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}" /usr/local/share/ca-certificates/*.crt 2>/dev/null | sha256sum | cut -c1-12)"

if [ "$(docker image inspect -f '{{index .Config.Labels "kelos.base"}}' "$tag" 2>/dev/null || true)" = "$key" ]; then
  exit 0 # already imported from this tarball
fi
sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
if [ ! -s "$tarball" ]; then
  command -v debootstrap >/dev/null || { $sudo apt-get update -qq; DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; }
  mkdir -p "$cache"
  root="$(mktemp -d "$cache/rootfs.XXXXXX")"
  trap '$sudo rm -rf "$root"' EXIT
  $sudo debootstrap --variant=minbase bookworm "$root" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }
  $sudo install -m 0755 "$node_bin" "$root/usr/local/bin/node"
  $sudo mkdir -p "$root/usr/local/lib/node_modules"
  $sudo cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  $sudo ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  $sudo ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  # The official image's user, and an apt that keeps no package lists (as Debian's slim images).
  $sudo chroot "$root" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
  $sudo rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb
  $sudo tar -C "$root" --numeric-owner -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  $sudo rm -rf "$root"
fi
rootfs_tag="kelos-standin/bookworm-node:${node_version#v}-npm-$npm_version"
docker image inspect "$rootfs_tag" >/dev/null 2>&1 || docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${node_version#v}" \
  --change 'CMD ["node"]' \
  "$tarball" "$rootfs_tag" >/dev/null
# This machine reaches the registries through a TLS proxy with its own CA: the stand-in trusts what the machine
# trusts (Node through NODE_EXTRA_CA_CERTS; Debian's ca-certificates, once installed, from /usr/local/share).
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
bundle="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
cp "$bundle" "$context/machine-ca-bundle.crt"
mkdir "$context/local-cas"
cp /usr/local/share/ca-certificates/*.crt "$context/local-cas/" 2>/dev/null || true
cat >"$context/Dockerfile" <<DOCKERFILE
FROM $rootfs_tag
COPY machine-ca-bundle.crt /etc/ssl/certs/ca-certificates.crt
COPY local-cas/ /usr/local/share/ca-certificates/
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
LABEL kelos.base="$key"
DOCKERFILE
docker build -q -t "$tag" "$context" >/dev/null
