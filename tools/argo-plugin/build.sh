#!/usr/bin/env bash
# Builds Argo Rollouts' own kubectl plugin, `kubectl-argo-rollouts` (github.com/argoproj/argo-rollouts/cmd/kubectl-argo-rollouts),
# at the release pinned in gomod/go.mod (the same pin as tools/argo-e2e/gomod/go.mod: this script refuses to build
# when the two differ), through the wrapper module gomod/ (the replace lines of Argo's own go.mod), with
# GOTOOLCHAIN=local. Used only as a reference to test our controller and our `kubectl-rollouts` against; never shipped.
#
# Cached in ${ROLLOUTS_ARGO_CACHE:-~/.cache/rollouts-argo}/<version>/bin/kubectl-argo-rollouts (next to the e2e tier's
# binaries) and rebuilt only when missing. Prints the binary's path as its last stdout line.
#
# The plugin's `dashboard` command embeds server/static/* (go:embed). The module zip ships server/static/.gitkeep,
# which the pattern matches, so the build needs no placeholder files (the dashboard is then empty; it is not under
# test here).
#
# Environment: ROLLOUTS_ARGO_CACHE (cache root), ARGO_PLUGIN_REBUILD=1 (rebuild even when cached).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
say() { echo "argo-plugin build: $*" >&2; }
die() { echo "argo-plugin build: $*" >&2; exit 1; }

export GOTOOLCHAIN=local CGO_ENABLED=0
export GOFLAGS="-mod=mod -buildvcs=false"
module=github.com/argoproj/argo-rollouts
pin() { sed -n "s|^require $module \(v[^ ]*\)$|\1|p" "$1"; }
version="$(pin "$here/gomod/go.mod")"
[ -n "$version" ] || die "no 'require $module vX.Y.Z' line in $here/gomod/go.mod"
e2e_version="$(pin "$root/tools/argo-e2e/gomod/go.mod" 2>/dev/null)"
[ -z "$e2e_version" ] || [ "$e2e_version" = "$version" ] ||
  die "tools/argo-plugin pins $version but tools/argo-e2e pins $e2e_version: pin the same release in both"
command -v go >/dev/null || die "go not found"
cache="${ROLLOUTS_ARGO_CACHE:-$HOME/.cache/rollouts-argo}/$version"
bin="$cache/bin/kubectl-argo-rollouts"
mkdir -p "$cache/bin"
if [ ! -x "$bin" ] || [ "${ARGO_PLUGIN_REBUILD:-0}" = 1 ]; then
  say "building kubectl-argo-rollouts $version ($(go version | cut -d' ' -f3)) ..."
  t0=$(date +%s)
  (cd "$here/gomod" && nice -n 10 go build -p 2 -trimpath -ldflags "-s -w" -o "$bin.tmp" "$module/cmd/kubectl-argo-rollouts") ||
    die "go build $module/cmd/kubectl-argo-rollouts failed"
  mv "$bin.tmp" "$bin"
  say "built $bin in $(( $(date +%s) - t0 ))s"
fi
echo "$bin"
