#!/usr/bin/env bash
# The whole test suite, every tier, from a fresh clone. The README and .ci/run both call this.
#   tier 1-2: unit, property and integration tests (jest, Node only)
#   tier 3: real servers from Debian (Prometheus, Graphite, InfluxDB), installed when missing
#   tier 4: the controller's end-to-end suite on a real control plane (tools/kube: built from Go modules, cached)
#   tier 5: Argo's own kubectl-argo-rollouts drives our controller; our `get rollout` tree must match (tools/argo-plugin)
# Ends with one plain line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
results=.test-results
rm -rf "$results" && mkdir -p "$results"
failed_steps=()

step() {
  local name=$1; shift
  echo "==> $name"
  if ! "$@"; then failed_steps+=("$name"); echo "!! step failed: $name"; fi
}

# Debian's kubectl for the kube-sim kubectl tests (extracted into a cache, not installed system-wide).
if [ -z "${KUBECTL:-}" ]; then
  kubectl_path=$(bash tools/setup/kubectl.sh)
  if [ -n "$kubectl_path" ]; then export KUBECTL="$kubectl_path"; echo "==> kubectl: $KUBECTL"; else echo "==> kubectl: Debian kubernetes-client unavailable; the kubectl tests use kubectl on PATH or report that they were skipped"; fi
fi

# The control plane of tier 4 and a kubectl of the same version (tools/kube/build.sh: from Go modules, cached in
# ~/.cache/rollouts-kube; built here, before the jest run, because the plugin-completion tests need a kubectl of 1.26
# or newer and Debian's is 1.20). A failed build fails this step; tier 4 then reports it too.
build_kube() { local b; b=$(bash tools/kube/build.sh | tail -n 1) && [ -x "$b/kubectl" ] && export KUBECTL_COMPLETION="$b/kubectl" && echo "==> kubectl for completion tests: $KUBECTL_COMPLETION"; }
step "control plane and kubectl (tools/kube/build.sh)" build_kube

# Tier 3: real servers from Debian for the metric providers' tests (each test file starts and stops its own
# server on free loopback ports): Prometheus, Graphite (carbon-cache + graphite-web), InfluxDB 1.x.
need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v carbon-cache >/dev/null 2>&1 || need+=(graphite-carbon)
command -v graphite-manage >/dev/null 2>&1 || need+=(graphite-web)
command -v influxd >/dev/null 2>&1 || need+=(influxdb)
# bash-completion: the kubectl plugin's completion is tested in bash as a user's <TAB> runs it.
[ -f /usr/share/bash-completion/bash_completion ] || need+=(bash-completion)
# python3-venv: moto (below) is installed into a venv of its own.
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
if [ "${#need[@]}" -gt 0 ]; then
  echo "==> installing Debian packages: ${need[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; } \
    || echo "==> install failed: the real-server tests of ${need[*]} report that they were skipped"
fi

# helm for the chart tests (apps/controller/test/helm.test.ts, packages/controller/test/rbac-install.test.ts), built
# from its Go module at the version in tools/helm/version.env and cached in ~/.cache/rollouts-helm.
# A failed build fails this step (the chart tests then skip, saying so).
build_helm() { local b; b=$(bash tools/helm/build.sh | tail -n 1) && [ -x "$b" ] && export HELM="$b" && echo "==> helm: $HELM"; }
step "helm (tools/helm/build.sh)" build_helm

# moto's server mode (a real AWS API emulator, pinned in tools/moto/setup.sh, from PyPI into ~/.cache/rollouts-moto) for
# packages/plugin-aws, packages/metrics-cloudwatch and packages/controller/test/alb-verify.e2e.test.ts. Under CI=true
# those tests fail without it.
setup_moto() { local b; b=$(bash tools/moto/setup.sh | tail -n 1) && [ -x "$b" ] && export ROLLOUTS_MOTO_SERVER="$b" && echo "==> moto_server: $ROLLOUTS_MOTO_SERVER"; }
step "moto (tools/moto/setup.sh)" setup_moto

# aiosmtpd (a real SMTP server, pinned in tools/smtp/setup.sh, from PyPI into ~/.cache/rollouts-smtp) for the e-mail
# tests of packages/notifications and packages/controller/test/notifications.e2e.test.ts. Under CI=true they fail without it.
setup_smtp() { local p; p=$(bash tools/smtp/setup.sh | tail -n 1) && [ -x "$p" ] && export ROLLOUTS_SMTP_PYTHON="$p" && echo "==> aiosmtpd python: $ROLLOUTS_SMTP_PYTHON"; }
step "aiosmtpd (tools/smtp/setup.sh)" setup_smtp

step "build" npx nx run-many -t build --outputStyle=static
step "typecheck" npx nx run-many -t typecheck --outputStyle=static
# The sample plugins (examples/plugins: outside the workspaces, as a third party's package would be).
typecheck_examples() { local d rc=0; for d in examples/plugins/*/; do npx tsc -p "$d/tsconfig.json" || rc=1; done; return $rc; }
step "typecheck examples/plugins" typecheck_examples
step "boundary check" node tools/boundaries/bin/check-boundaries.js
step "CRD manifests up to date" node tools/crdgen/bin/crdgen.js --check

# The controller image: apps/controller/Dockerfile built with buildah (daemonless, chroot isolation) from local Debian
# bases into an OCI archive that apps/controller/test/image.test.ts unpacks, checks and runs (tools/image/build.sh;
# the bases are cached in ~/.cache/rollouts-image). A failed build fails this step (the image tests then skip, saying so).
build_image() { bash tools/image/build.sh "$results/image/rollouts-controller.oci.tar" > "$results/image-build.log" 2>&1; local rc=$?; tail -n 4 "$results/image-build.log"; return $rc; }
step "controller image (tools/image/build.sh)" build_image

echo "==> tests"
npx jest --ci --json --outputFile="$results/jest.json" 2> "$results/jest.log"
jest_rc=$?
tail -n 30 "$results/jest.log"

# Tier 4: the controller's end-to-end suite again, on a real control plane built from the Kubernetes Go modules
# (tools/kube; the first build takes 6.5 min on 2 idle cores, up to 17 on a loaded machine, then it is cached in ~/.cache/rollouts-kube).
echo "==> tests on a real control plane (tools/kube/test-real.sh)"
bash tools/kube/test-real.sh "$results/jest-real.json" 2> "$results/jest-real.log"
real_rc=$?
tail -n 30 "$results/jest-real.log"

# Tier 5: Argo Rollouts' own kubectl plugin (kubectl-argo-rollouts, built from its Go module at the e2e tier's pin and
# cached in ~/.cache/rollouts-argo) drives our controller on its own real cluster (port 27443), and our
# kubectl-rollouts must print the same `get rollout` trees (tools/argo-plugin/run.sh; about 3 min once built).
echo "==> Argo's kubectl plugin against our controller (tools/argo-plugin/run.sh)"
bash tools/argo-plugin/run.sh "$results/jest-argo-plugin.json" > "$results/argo-plugin.log" 2>&1
plugin_rc=$?
tail -n 30 "$results/argo-plugin.log"

node -e '
  const fs = require("fs");
  const [steps, stepNames, ...files] = process.argv.slice(1);
  let passed = 0, failed = 0;
  for (const f of files) {
    try {
      const r = JSON.parse(fs.readFileSync(f, "utf8"));
      passed += r.numPassedTests; failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
      for (const s of r.testResults) if (s.status === "failed") console.log("FAILED " + s.name + (s.message ? "\n" + s.message.split("\n").slice(0, 20).join("\n") : ""));
    } catch (e) { console.log("no jest results in " + f + ": " + e.message); failed += 1; }
  }
  if (Number(steps) > 0) console.log(steps + " non-test step(s) failed: " + stepNames);
  console.log(passed + " passed, " + (failed + Number(steps)) + " failed");
' "${#failed_steps[@]}" "${failed_steps[*]:-}" "$results/jest.json" "$results/jest-real.json" "$results/jest-argo-plugin.json"

[ "$jest_rc" -eq 0 ] && [ "$real_rc" -eq 0 ] && [ "$plugin_rc" -eq 0 ] && [ "${#failed_steps[@]}" -eq 0 ]
