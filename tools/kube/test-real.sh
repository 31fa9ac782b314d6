#!/usr/bin/env bash
# Tier 4: the controller's end-to-end suite against the real control plane.
#   1. builds the binaries if the cache lacks them (tools/kube/build.sh),
#   2. starts the cluster (tools/kube/start.sh) unless E2E_KUBECONFIG names one already running,
#   3. runs `E2E_TARGET=real npx jest --ci --json --outputFile=<file> packages/controller/test/` from the repo root,
#   4. stops the cluster if it started it (also on failure or interrupt), and exits with jest's status.
# Usage: tools/kube/test-real.sh [jest-json-output-file] [more jest arguments...]
#   default output file: .test-results/jest-real.json
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$here/versions.env"
out="${1:-$root/.test-results/jest-real.json}"; shift || true
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
mkdir -p "$(dirname "$out")"
rm -f "$out"

if [ -z "${E2E_KUBECONFIG:-}" ]; then
  bin="${ROLLOUTS_KUBE_CACHE:-$HOME/.cache/rollouts-kube}/$KUBE_VERSION/bin"
  need_build=0
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do [ -x "$bin/$b" ] || need_build=1; done
  if [ "$need_build" = 1 ]; then
    echo "test-real.sh: building the control plane (first time on this machine: many minutes)"
    "$here/build.sh" || { echo "test-real.sh: tools/kube/build.sh failed"; exit 1; }
  fi
  state="${ROLLOUTS_KUBE_STATE:-/tmp/rollouts-kube}"
  export ROLLOUTS_KUBE_STATE="$state"
  trap '"$here/stop.sh"' EXIT
  trap 'exit 130' INT TERM
  started="$("$here/start.sh")" || { echo "$started"; echo "test-real.sh: tools/kube/start.sh failed"; exit 1; }
  echo "$started"
  # A cluster that was already up is someone else's: leave it running.
  if echo "$started" | grep -q 'already running'; then trap - EXIT; fi
  export E2E_KUBECONFIG="$state/kubeconfig"
fi

cd "$root"
# The controllers run with the token of the ServiceAccount that apps/controller/manifests/install.yaml creates (its
# ClusterRole and leader-election Role), not the admin kubeconfig: a missing RBAC rule fails the suite with a 403.
# E2E_CONTROLLER_AUTH=kubeconfig runs them as the admin instead.
export E2E_CONTROLLER_AUTH="${E2E_CONTROLLER_AUTH:-serviceaccount}"
echo "test-real.sh: controllers authenticate with: $E2E_CONTROLLER_AUTH"
t0=$(date +%s)
E2E_TARGET=real npx jest --ci --json --outputFile="$out" --maxWorkers="${E2E_REAL_WORKERS:-1}" "$@" packages/controller/test/
rc=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`test-real.sh: real control plane: ${r.numPassedTests} passed, ${r.numFailedTests + r.numRuntimeErrorTestSuites} failed, ${r.numPendingTests} skipped in ${process.argv[2]} s`);
' "$out" "$(( $(date +%s) - t0 ))" 2>/dev/null || echo "test-real.sh: no jest results in $out"
exit "$rc"
