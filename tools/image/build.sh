#!/usr/bin/env bash
# Builds apps/controller/Dockerfile into an OCI archive with buildah: daemonless, no container registry.
#   bash tools/image/build.sh [OUT]        OUT defaults to .test-results/image/rollouts-controller.oci.tar
# No registry is reachable here, so the Dockerfile's bases (build-args BUILD_BASE, RUNTIME_BASE) are made locally
# and cached as images in this script's buildah store (~/.cache/rollouts-image, keyed by Debian suite, Node version
# and this recipe):
#   runtime base: the Debian bookworm packages Node links against (libc6, libstdc++6, libgcc-s1), unpacked from
#                 Debian's mirror by mmdebstrap (--variant=extract), plus this machine's `node` binary. Nothing else.
#   build base:   a Debian bookworm minbase rootfs (mmdebstrap) plus the same `node` and its bundled npm.
# RUN steps use buildah's chroot isolation (no runc/crun, no user namespaces needed; runs as root).
# Prints the archive's path on the last line. Installs buildah and mmdebstrap from Debian when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
out=${1:-.test-results/image/rollouts-controller.oci.tar}
tag=localhost/rollouts-controller:$(node -p 'require("./apps/controller/package.json").version')
cache=${ROLLOUTS_IMAGE_CACHE:-$HOME/.cache/rollouts-image}
suite=bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
log() { echo "[image] $*" >&2; }

need=()
command -v buildah >/dev/null 2>&1 || need+=(buildah)
command -v mmdebstrap >/dev/null 2>&1 || need+=(mmdebstrap)
if [ "${#need[@]}" -gt 0 ]; then
  log "installing Debian packages: ${need[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

# A store of our own (not /var/lib/containers), vfs: works on any filesystem, including nested overlays.
driver=${ROLLOUTS_IMAGE_STORAGE_DRIVER:-vfs}
B=(buildah --root "$cache/storage-$driver" --runroot "$cache/run-$driver" --storage-driver "$driver")
export BUILDAH_ISOLATION=chroot

node_bin=$(readlink -f "$(command -v node)")
node_version=$("$node_bin" --version)
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")   # .../node_modules/npm
[ -f "$npm_dir/bin/npm-cli.js" ] || { log "npm not found next to node ($npm_dir)"; exit 1; }
recipe=$(sha256sum "$0" | cut -c1-12)
key=$suite-node${node_version#v}-$recipe
runtime_base=localhost/rollouts-base-runtime:$key
build_base=localhost/rollouts-base-build:$key

have_image() { "${B[@]}" inspect --type image "$1" >/dev/null 2>&1; }

# make_base NAME ROOTFS_TAR WITH_NPM
make_base() {
  local name=$1 tar=$2 with_npm=$3 c m
  c=$("${B[@]}" from --pull=never scratch)
  "${B[@]}" add "$c" "$tar" / >/dev/null
  m=$("${B[@]}" mount "$c")
  mkdir -p "$m/usr/bin" "$m/tmp" && chmod 1777 "$m/tmp"
  install -m 0755 "$node_bin" "$m/usr/bin/node"
  if [ "$with_npm" = yes ]; then
    mkdir -p "$m/usr/lib/node_modules"
    cp -a "$npm_dir" "$m/usr/lib/node_modules/npm"
    ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$m/usr/bin/npm"
    ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$m/usr/bin/npx"
  fi
  "${B[@]}" umount "$c" >/dev/null
  "${B[@]}" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --label "org.opencontainers.image.description=Debian $suite ($([ "$with_npm" = yes ] && echo minbase || echo libc6 libstdc++6 libgcc-s1)) + node $node_version" "$c"
  # The base must run its node (every shared library present).
  "${B[@]}" run "$c" -- /usr/bin/node --version >/dev/null
  "${B[@]}" commit --quiet --rm "$c" "$name" >/dev/null
}

# Drop bases of other keys (an older Node or recipe).
"${B[@]}" images --format '{{.Name}}:{{.Tag}}' 2>/dev/null | grep '^localhost/rollouts-base-' | grep -v ":$key\$" | xargs -r "${B[@]}" rmi >/dev/null 2>&1 || true

t0=$SECONDS
if ! have_image "$runtime_base" || ! have_image "$build_base"; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  deb_excludes=(--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*')
  if ! have_image "$runtime_base"; then
    log "making $runtime_base (mmdebstrap --variant=extract libc6 libstdc++6 libgcc-s1 + $node_bin)"
    mmdebstrap --quiet --variant=extract --include=libc6,libstdc++6,libgcc-s1 "${deb_excludes[@]}" "$suite" "$tmp/runtime.tar" "$mirror" >&2
    make_base "$runtime_base" "$tmp/runtime.tar" no
  fi
  if ! have_image "$build_base"; then
    log "making $build_base (mmdebstrap --variant=minbase + node + npm)"
    mmdebstrap --quiet --variant=minbase "${deb_excludes[@]}" "$suite" "$tmp/build.tar" "$mirror" >&2
    make_base "$build_base" "$tmp/build.tar" yes
  fi
  log "bases made in $((SECONDS - t0)) s"
fi

log "buildah build -f apps/controller/Dockerfile -t $tag (BUILD_BASE=$build_base RUNTIME_BASE=$runtime_base)"
t1=$SECONDS
npm_cache=$(npm config get cache)
mkdir -p "$npm_cache"
"${B[@]}" build --pull=never --layers=false --isolation chroot \
  --build-arg "BUILD_BASE=$build_base" --build-arg "RUNTIME_BASE=$runtime_base" \
  --volume "$npm_cache:/root/.npm" --build-arg npm_config_prefer_offline=true \
  -f apps/controller/Dockerfile -t "$tag" "$root" >&2
log "image built in $((SECONDS - t1)) s"

mkdir -p "$(dirname "$out")"
rm -f "$out"
"${B[@]}" push --quiet "$tag" "oci-archive:$out:$tag" >&2
# Keep the store small: drop the image and the build stage's leftovers (the bases stay cached).
"${B[@]}" rmi --prune >/dev/null 2>&1 || true
"${B[@]}" rmi "$tag" >/dev/null 2>&1 || true
log "$(du -h "$out" | cut -f1) $out (total $((SECONDS - t0)) s)"
echo "$out"
