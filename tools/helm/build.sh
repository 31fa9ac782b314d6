#!/usr/bin/env bash
# Builds (once per version) the `helm` binary used by the chart tests (apps/controller/test/helm*.test.ts)
# from its Go module helm.sh/helm/v3 at $HELM_VERSION, in a throwaway wrapper module, with the installed Go
# (GOTOOLCHAIN=local: a build never fetches another toolchain). Needs the Go module proxy on the first build.
# The binary goes to ${ROLLOUTS_HELM_CACHE:-~/.cache/rollouts-helm}/<HELM_VERSION>/helm; a present one is kept.
# Usage: tools/helm/build.sh          (prints the binary's path on its last line)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/version.env"
export GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0
dir="${ROLLOUTS_HELM_CACHE:-$HOME/.cache/rollouts-helm}/$HELM_VERSION"
out="$dir/helm"
if [ -x "$out" ]; then echo "$out"; exit 0; fi
command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"; } || true
command -v go >/dev/null || { echo "tools/helm/build.sh: no Go toolchain (go on PATH or /usr/local/go)" >&2; exit 1; }

# helm's go.mod `go` line must not be newer than the installed Go.
gomod="$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
want="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$gomod")"
have="$(go env GOVERSION | sed 's/^go//')"
if [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | tail -1)" != "$have" ]; then
  echo "tools/helm/build.sh: helm $HELM_VERSION needs go $want, installed go is $have" >&2; exit 1
fi

mkdir -p "$dir"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
printf 'module rollouts.local/helm\n\ngo %s\n' "$want" > "$tmp/go.mod"
printf '//go:build tools\n\npackage helm\n\nimport _ "helm.sh/helm/v3/cmd/helm"\n' > "$tmp/tools.go"
t0=$(date +%s)
echo "tools/helm/build.sh: building helm $HELM_VERSION (first time on this machine: a few minutes) ..." >&2
(cd "$tmp" && go get "helm.sh/helm/v3@$HELM_VERSION" >&2 && go mod tidy >&2 &&
  # As helm's Makefile: the default Kubernetes version (Capabilities, kubeVersion checks, lint deprecations) follows
  # the client-go it is built with (v0.35.x -> 1.35); without it helm assumes 1.20.
  cg="$(go list -m -f '{{.Version}}' k8s.io/client-go)" && cg="${cg#v}" && k8s_major=$(( ${cg%%.*} + 1 )) && k8s_minor="$(echo "$cg" | cut -d. -f2)" &&
  nice -n 10 go build -p "${ROLLOUTS_HELM_BUILD_JOBS:-2}" -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean \
      -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=$k8s_major -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$k8s_minor \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=$k8s_major -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$k8s_minor" \
    -o "$out.tmp" helm.sh/helm/v3/cmd/helm)
mv "$out.tmp" "$out"
echo "tools/helm/build.sh: built helm $HELM_VERSION in $(( $(date +%s) - t0 ))s" >&2
echo "$out"
