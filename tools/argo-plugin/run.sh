#!/usr/bin/env bash
# The kubectl plugin's compatibility tier (issue #16): Argo Rollouts' own kubectl-argo-rollouts, built from its Go
# module at the release pinned in gomod/go.mod (tools/argo-plugin/build.sh, cached in ~/.cache/rollouts-argo/<version>),
# drives our controller (apps/controller, as a process) on the real control plane of tools/kube — get, set image,
# promote, abort, retry, undo, restart, status — and our kubectl-rollouts must print the same `get rollout` as
# Argo's at the same moments, ages masked (test/argo-plugin.test.ts).
#
#   1. builds what is missing: the plugin (build.sh), the control plane (tools/kube/build.sh), and our controller and
#      CLI (`npm run build`, only when apps/controller/dist or apps/cli/dist is missing, or ARGO_PLUGIN_NPM_BUILD=1);
#   2. starts its own cluster (tools/kube/start.sh on ROLLOUTS_KUBE_PORT 27443, etcd 34790, state
#      /tmp/rollouts-argo-plugin-kube), so it meets neither tier 4's cluster nor the Argo e2e tier's;
#   3. runs the jest file with ARGO_PLUGIN_TIER=1 and writes jest's JSON to $1 (default
#      .test-results/jest-argo-plugin.json); the `get rollout` texts compared go to .test-results/argo-plugin/;
#   4. stops the cluster (also on failure or interrupt) and exits with jest's status.
# When a build fails, the tests are skipped (saying why) and the script exits 0: the tier cannot run on this machine.
# Usage: tools/argo-plugin/run.sh [jest-json-output-file] [more jest arguments...]
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
say() { echo "argo-plugin: $*"; }
out="${1:-$root/.test-results/jest-argo-plugin.json}"; shift || true
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
mkdir -p "$(dirname "$out")" && rm -f "$out"
t0=$(date +%s)

# ---- 1. build ----------------------------------------------------------------------------------------------
export ARGO_PLUGIN_BIN=""
if b="$("$here/build.sh" | tail -n 1)" && [ -x "$b" ]; then ARGO_PLUGIN_BIN="$b"; say "plugin: $b"; else say "build.sh failed: the tests skip"; fi
source "$root/tools/kube/versions.env"
kbin="${ROLLOUTS_KUBE_CACHE:-$HOME/.cache/rollouts-kube}/$KUBE_VERSION/bin"
kube_ok=1
for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
  if [ ! -x "$kbin/$b" ]; then "$root/tools/kube/build.sh" >&2 || { kube_ok=0; say "tools/kube/build.sh failed: the tests skip"; }; break; fi
done
if [ "${ARGO_PLUGIN_NPM_BUILD:-0}" = 1 ] || [ ! -f "$root/apps/controller/dist/main.js" ] || [ ! -f "$root/apps/cli/dist/main.js" ]; then
  (cd "$root" && npm run build --silent >&2) || say "npm run build failed"
fi
if [ -z "${KUBECTL:-}" ]; then
  if command -v kubectl >/dev/null; then export KUBECTL="$(command -v kubectl)"; else k="$(bash "$root/tools/setup/kubectl.sh")"; [ -n "$k" ] && export KUBECTL="$k"; fi
fi
say "build step done in $(( $(date +%s) - t0 ))s"

# ---- 2. the cluster ----------------------------------------------------------------------------------------
export ROLLOUTS_KUBE_STATE="${ROLLOUTS_KUBE_STATE:-/tmp/rollouts-argo-plugin-kube}"
export ROLLOUTS_KUBE_PORT="${ROLLOUTS_KUBE_PORT:-27443}"
export ROLLOUTS_ETCD_PORT="${ROLLOUTS_ETCD_PORT:-34790}"
export ARGO_PLUGIN_KUBECONFIG=""
if [ "$kube_ok" = 1 ]; then
  trap '"$root/tools/kube/stop.sh" >/dev/null 2>&1' EXIT
  trap 'exit 130' INT TERM
  if started="$("$root/tools/kube/start.sh" 2>&1)"; then
    if echo "$started" | grep -q 'already running'; then
      trap - EXIT
      say "a cluster from $ROLLOUTS_KUBE_STATE is already running: stop it first (ROLLOUTS_KUBE_STATE=$ROLLOUTS_KUBE_STATE tools/kube/stop.sh)"
      exit 1
    fi
    ARGO_PLUGIN_KUBECONFIG="$ROLLOUTS_KUBE_STATE/kubeconfig"
    say "cluster up on port $ROLLOUTS_KUBE_PORT ($ROLLOUTS_KUBE_STATE) after $(( $(date +%s) - t0 ))s"
  else
    echo "$started" >&2; say "tools/kube/start.sh failed"; exit 1
  fi
fi

# ---- 3. the tests ------------------------------------------------------------------------------------------
cd "$root"
t1=$(date +%s)
ARGO_PLUGIN_TIER=1 npx jest --ci --json --outputFile="$out" -c "$here/jest.config.js" --rootDir "$here" "$@"
rc=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`argo-plugin: ${r.numPassedTests} passed, ${r.numFailedTests + r.numRuntimeErrorTestSuites} failed, ${r.numPendingTests} skipped in ${process.argv[2]} s`);
' "$out" "$(( $(date +%s) - t1 ))" 2>/dev/null || say "no jest results in $out"
exit "$rc"
