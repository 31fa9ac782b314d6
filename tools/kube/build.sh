#!/usr/bin/env bash
# Builds (once per version) the tier-4 control plane: kube-apiserver and kube-controller-manager (and kubectl, for the
# plugin-completion tests: Debian's is too old) from the
# k8s.io/kubernetes Go module (via tools/kube/gomod), kwok from sigs.k8s.io/kwok, and etcd $ETCD_VERSION from
# go.etcd.io/etcd/server/v3. ROLLOUTS_ETCD=debian uses Debian's etcd-server (3.4.23) instead: the apiserver runs
# on it, but turns RequestWatchProgress off (it needs etcd >= 3.4.31), so the watch-list streams of the 1.36
# controller-manager, scheduler and kwok are refused and they fall back to list+watch, logging each time.
# Binaries go to ${ROLLOUTS_KUBE_CACHE:-~/.cache/rollouts-kube}/<KUBE_VERSION>/bin; present ones are kept.
# Usage: tools/kube/build.sh            (prints the bin dir on its last line)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/versions.env"
export GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0
cache="${ROLLOUTS_KUBE_CACHE:-$HOME/.cache/rollouts-kube}/$KUBE_VERSION"
bin="$cache/bin"
mkdir -p "$bin"
jobs="${ROLLOUTS_KUBE_BUILD_JOBS:-2}"
gobuild() { nice -n 10 go build -p "$jobs" -trimpath "$@"; }

have_go_line() { # module@version: fails when its go.mod asks for a newer Go than the installed one
  local mod want have
  mod="$(go mod download -json "$1" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  want="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$mod")"
  have="$(go env GOVERSION | sed 's/^go//')"
  if [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | tail -1)" != "$have" ]; then
    echo "build.sh: $1 needs go $want, installed go is $have (GOTOOLCHAIN=local)" >&2; return 1
  fi
}

timed() { # name command...: runs and prints the wall time
  local name="$1" t0; shift; t0=$(date +%s)
  echo "build.sh: building $name ..."
  "$@"
  echo "build.sh: built $name in $(( $(date +%s) - t0 ))s"
}

t_all=$(date +%s)

# kube-apiserver, kube-controller-manager, kube-scheduler (kwok fakes kubelets only: pods still need binding)
if ! grep -q "k8s.io/kubernetes $KUBE_VERSION\$" "$here/gomod/go.mod"; then
  echo "build.sh: tools/kube/gomod is not at $KUBE_VERSION; run tools/kube/gen-gomod.sh" >&2; exit 1
fi
minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
ldflags="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags="$ldflags -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
done
for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  if [ ! -x "$bin/$cmd" ]; then
    have_go_line "k8s.io/kubernetes@$KUBE_VERSION"
    (cd "$here/gomod" && timed "$cmd $KUBE_VERSION" gobuild -ldflags "$ldflags" -o "$bin/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd")
    mv "$bin/$cmd.tmp" "$bin/$cmd"
  fi
done

# kwok
if [ ! -x "$bin/kwok" ] || [ "$(cat "$bin/kwok.version" 2>/dev/null)" != "$KWOK_VERSION" ]; then
  have_go_line "sigs.k8s.io/kwok@$KWOK_VERSION"
  tmp="$(mktemp -d)"
  timed "kwok $KWOK_VERSION" env GOBIN="$tmp" nice -n 10 go install -p "$jobs" -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  mv "$tmp/kwok" "$bin/kwok"; rmdir "$tmp"
  echo "$KWOK_VERSION" > "$bin/kwok.version"
fi

# etcd
if [ "${ROLLOUTS_ETCD:-build}" = debian ]; then
  if ! command -v etcd >/dev/null; then
    echo "build.sh: installing Debian etcd-server"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends etcd-server >/dev/null; } ||
      { echo "build.sh: apt-get install etcd-server failed (without ROLLOUTS_ETCD=debian, etcd is built from its Go module)" >&2; exit 1; }
  fi
  if [ "$(readlink "$bin/etcd" 2>/dev/null)" != "$(command -v etcd)" ]; then
    rm -f "$bin/etcd"; ln -s "$(command -v etcd)" "$bin/etcd"
  fi
  echo "debian $(etcd --version 2>/dev/null | sed -n 's/^etcd Version: //p')" > "$bin/etcd.version"
elif [ ! -x "$bin/etcd" ] || [ -L "$bin/etcd" ] || [ "$(cat "$bin/etcd.version" 2>/dev/null)" != "$ETCD_VERSION" ]; then
  # etcd's server module carries replace directives (so `go install` refuses it): build it from a
  # throwaway module that requires it, like tools/kube/gomod does for Kubernetes.
  have_go_line "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  tmp="$(mktemp -d)"
  printf 'module rollouts.local/etcd\n\ngo 1.24\n' > "$tmp/go.mod"
  printf '//go:build tools\n\npackage etcd\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > "$tmp/tools.go"
  (cd "$tmp" && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null 2>&1 && go mod tidy >/dev/null 2>&1 &&
    timed "etcd $ETCD_VERSION" gobuild -ldflags "-s -w" -o "$bin/etcd.tmp" go.etcd.io/etcd/server/v3 && rm -f "$bin/etcd" && mv "$bin/etcd.tmp" "$bin/etcd")
  rm -rf "$tmp"
  [ -x "$bin/etcd" ] || { echo "build.sh: etcd $ETCD_VERSION did not build" >&2; exit 1; }
  echo "$ETCD_VERSION" > "$bin/etcd.version"
fi

echo "build.sh: all binaries present in $(( $(date +%s) - t_all ))s"
ls -l "$bin" | sed 's/^/  /'
echo "$bin"
