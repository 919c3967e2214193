#!/usr/bin/env bash
# Builds local stand-ins for the Dockerfile's base images when no container registry is reachable: Debian
# bookworm from debootstrap plus this machine's Node.js (and npm), committed with buildah as
#
#   localhost/image-chat-base:build   stands in for node:20-bookworm       (python3, make, g++, Node's headers)
#   localhost/image-chat-base:slim    stands in for node:20-bookworm-slim  (minbase, Node only)
#
# Both have a `node` user (uid 1000), as the official images do. CI does not need this: it exists so the image
# can be built and tried here (scripts/container/verify.sh, docs/operating.md#docker).
#
#   scripts/container/build-local-base.sh            (root; needs debootstrap and buildah)
#
# DEBIAN_MIRROR overrides the mirror, BASE_WORK the scratch directory (default /var/tmp/image-chat-base),
# BUILDAH_STORAGE the storage driver (default vfs, which works without overlay support).
set -euo pipefail

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
WORK=${BASE_WORK:-/var/tmp/image-chat-base}
STORAGE=${BUILDAH_STORAGE:-vfs}
NODE_BIN=$(command -v node)
NPM_DIR=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")   # …/node_modules/npm
NODE_HEADERS=$(dirname "$(dirname "$NODE_BIN")")/include/node
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

[ "$(id -u)" = 0 ] || { echo "run as root (debootstrap and chroot need it)" >&2; exit 1; }
for tool in debootstrap buildah; do
  command -v "$tool" >/dev/null || { echo "$tool not found: apt-get install -y $tool" >&2; exit 1; }
done
case "$("$NODE_BIN" --version)" in v20.*) ;; *) echo "expected Node.js 20 at $NODE_BIN, found $("$NODE_BIN" --version)" >&2; exit 1 ;; esac

mkdir -p "$WORK/cache"

# One root file system: debootstrap (cached in $WORK/cache), this machine's node and npm, a node user.
make_rootfs() {
  local root=$1 variant=$2 include=$3
  if [ ! -x "$root/usr/bin/node" ]; then
    rm -rf "$root"
    echo "debootstrap $variant into $root (include: $include)"
    debootstrap --variant="$variant" --include="$include" --cache-dir="$WORK/cache" bookworm "$root" "$MIRROR" >"$root.log" 2>&1 \
      || { tail -n 30 "$root.log" >&2; exit 1; }
    install -m 755 "$NODE_BIN" "$root/usr/bin/node"
    mkdir -p "$root/usr/lib/node_modules"
    cp -a "$NPM_DIR" "$root/usr/lib/node_modules/npm"
    ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
    ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
    chroot "$root" /usr/sbin/groupadd --gid 1000 node
    chroot "$root" /usr/sbin/useradd --uid 1000 --gid node --shell /bin/bash --create-home node
    # The registry may be reached through this machine's TLS interception: trust what this machine trusts.
    cp "$CA_BUNDLE" "$root/etc/ssl/certs/ca-certificates.crt"
    rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*
  fi
}

commit() {
  local root=$1 tag=$2; shift 2
  local ctr
  ctr=$(buildah --storage-driver "$STORAGE" from scratch)
  buildah --storage-driver "$STORAGE" copy --quiet "$ctr" "$root" /
  buildah --storage-driver "$STORAGE" config \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    "$@" --cmd node "$ctr"
  buildah --storage-driver "$STORAGE" commit --quiet --format docker --rm "$ctr" "$tag" >/dev/null
  echo "committed $tag"
}

make_rootfs "$WORK/slim" minbase ca-certificates
make_rootfs "$WORK/build" minbase ca-certificates,python3,make,g++
mkdir -p "$WORK/build/usr/include"
rm -rf "$WORK/build/usr/include/node"
cp -a "$NODE_HEADERS" "$WORK/build/usr/include/node"

commit "$WORK/slim" localhost/image-chat-base:slim
# npm builds native addons (better-sqlite3) against the headers in the image, not a download of them.
commit "$WORK/build" localhost/image-chat-base:build \
  --env npm_config_nodedir=/usr --env npm_config_cafile=/etc/ssl/certs/ca-certificates.crt
