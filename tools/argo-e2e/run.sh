#!/usr/bin/env bash
# Argo Rollouts' own end-to-end suite (test/e2e of github.com/argoproj/argo-rollouts, pinned in gomod/go.mod) as a
# test tier: run against our controller and against Argo's controller built from the same module, on the real
# control plane of tools/kube, with our CRDs, one controller at a time. Per-test results for both go to
# $ARGO_E2E_OUT (default .test-results/argo-e2e) and, when every selected suite ran for both controllers, to the
# "Argo Rollouts' e2e suite" section of docs/compatibility.md (tools/argo-e2e/report.js).
#
#   1. build (cached by version in ${ROLLOUTS_ARGO_CACHE:-~/.cache/rollouts-argo}/<version>/bin, rebuilt only when
#      missing): `go test -c -tags e2e ./test/e2e` in a writable copy of the module dir, and
#      cmd/rollouts-controller through the wrapper module gomod/ (GOTOOLCHAIN=local, nice -n 10, -p 2);
#      our controller with `npm run build`; the control plane with tools/kube/build.sh when a binary is missing;
#   2. starts the control plane (tools/kube/start.sh with the pod stages of kwok-pod-stages.yaml, on its own ports
#      and state dir so it does not meet the tier-4 cluster), applies our CRDs server-side;
#   3. for each controller (ours, then Argo's): starts it with the same flags (--instance-id argo-rollouts-e2e, no
#      leader election), runs the selected suites split into shards, each shard a test process in its own
#      namespace (the suite reads its namespace from the kubeconfig), ARGO_E2E_PARALLEL at a time, stops it;
#   4. stops the cluster, writes the report; exits 1 when a test that passes with Argo's controller fails with
#      ours (unless listed in known-differences.tsv), 2 when the run itself could not be made.
#
# Usage: tools/argo-e2e/run.sh            (npm run test:upstream)
# Environment (all optional):
#   ARGO_E2E_CONTROLLERS   which controllers, in order (default "ours argo")
#   ARGO_E2E_SUITES        suites (default "canary bluegreen experiment analysis functional")
#   ARGO_E2E_TESTS         regex on test method names, to run a subset (the doc is then not written)
#   ARGO_E2E_PARALLEL      test processes at a time (default 4)
#   ARGO_E2E_SHARD_SIZE    tests per process at most (default 6)
#   ARGO_E2E_SHARD_TIMEOUT the test binary's -test.timeout for one shard (default 25m)
#   ARGO_E2E_ISOLATED      regex of tests run alone after the shards (default ^TestMalformed; empty: none)
#   ARGO_E2E_OUT           results dir (default .test-results/argo-e2e)
#   ARGO_E2E_WRITE_DOC     1: write docs/compatibility.md even for a partial selection; 0: never
#   ARGO_E2E_BUILD_ONLY    1: build and exit
#   ARGO_E2E_SKIP_NPM_BUILD 1: use apps/controller/dist as it is
#   E2E_WAIT_TIMEOUT       the suite's wait timeout in seconds (default 90, Argo's default)
#   ROLLOUTS_KUBE_PORT, ROLLOUTS_ETCD_PORT, ROLLOUTS_KUBE_STATE  the cluster (default 26443, 33790,
#                          /tmp/rollouts-argo-e2e-kube)
#   ROLLOUTS_KUBE_READY_DELAY_MS  how long a bound pod takes to start (default 2000 here)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
t_start=$(date +%s)
say() { echo "argo-e2e: $*"; }
die() { echo "argo-e2e: $*" >&2; exit 2; }
secs() { echo $(( $(date +%s) - $1 )); }

export GOTOOLCHAIN=local CGO_ENABLED=0
export GOFLAGS="-mod=mod -buildvcs=false"
module=github.com/argoproj/argo-rollouts
version="$(sed -n "s|^require $module \(v[^ ]*\)$|\1|p" "$here/gomod/go.mod")"
[ -n "$version" ] || die "no 'require $module vX.Y.Z' line in $here/gomod/go.mod"
cache="${ROLLOUTS_ARGO_CACHE:-$HOME/.cache/rollouts-argo}/$version"
abin="$cache/bin"
src="$cache/src"
out="${ARGO_E2E_OUT:-$root/.test-results/argo-e2e}"
case "$out" in /*) ;; *) out="$root/$out" ;; esac
controllers="${ARGO_E2E_CONTROLLERS:-ours argo}"
suites="${ARGO_E2E_SUITES:-canary bluegreen experiment analysis functional}"
parallel="${ARGO_E2E_PARALLEL:-4}"
shard_size="${ARGO_E2E_SHARD_SIZE:-6}"
wait_timeout="${E2E_WAIT_TIMEOUT:-90}"
instance_id=argo-rollouts-e2e
gobuild() { nice -n 10 go "$@"; }

# ---- 1. build ----------------------------------------------------------------------------------------------
mkdir -p "$abin"
t0=$(date +%s)
moddir="$(cd "$here/gomod" && go mod download -json "$module@$version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
[ -d "$moddir" ] || die "go mod download $module@$version failed"
if [ ! -x "$abin/e2e.test" ] || [ ! -d "$src/test/e2e" ]; then
  say "building Argo's e2e suite $version (go test -c) ..."
  t1=$(date +%s)
  rm -rf "$src.tmp" && cp -r "$moddir" "$src.tmp" && chmod -R u+w "$src.tmp" || die "could not copy $moddir"
  rm -rf "$src" && mv "$src.tmp" "$src"
  (cd "$src" && gobuild test -c -tags e2e -p 2 -trimpath -o "$abin/e2e.test.tmp" ./test/e2e) || die "go test -c ./test/e2e failed"
  mv "$abin/e2e.test.tmp" "$abin/e2e.test"
  say "built e2e.test in $(secs "$t1")s"
fi
if [ ! -x "$abin/rollouts-controller" ]; then
  say "building Argo's controller $version ..."
  t1=$(date +%s)
  (cd "$here/gomod" && gobuild build -p 2 -trimpath -ldflags "-s -w" -o "$abin/rollouts-controller.tmp" "$module/cmd/rollouts-controller") ||
    die "go build $module/cmd/rollouts-controller failed"
  mv "$abin/rollouts-controller.tmp" "$abin/rollouts-controller"
  say "built rollouts-controller in $(secs "$t1")s"
fi
if [ "${ARGO_E2E_SKIP_NPM_BUILD:-0}" != 1 ]; then
  t1=$(date +%s)
  (cd "$root" && nice -n 10 npm run build --silent >"$cache/npm-build.log" 2>&1) || { tail -30 "$cache/npm-build.log" >&2; die "npm run build failed"; }
  say "npm run build in $(secs "$t1")s"
fi
[ -f "$root/apps/controller/dist/main.js" ] || die "apps/controller/dist/main.js missing (npm run build)"
source "$root/tools/kube/versions.env"
kbin="${ROLLOUTS_KUBE_CACHE:-$HOME/.cache/rollouts-kube}/$KUBE_VERSION/bin"
for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
  if [ ! -x "$kbin/$b" ]; then "$root/tools/kube/build.sh" || die "tools/kube/build.sh failed"; break; fi
done
command -v kubectl >/dev/null || die "kubectl not found: the suite runs 'kubectl apply'"
say "build step done in $(secs "$t0")s"
[ "${ARGO_E2E_BUILD_ONLY:-0}" = 1 ] && exit 0

# ---- shards: (suite, methods) from the suite's sources -----------------------------------------------------
declare -A suite_func=([canary]=TestCanarySuite [bluegreen]=TestBlueGreenSuite [experiment]=TestExperimentSuite
  [analysis]=TestAnalysisSuite [functional]=TestFunctionalSuite)
declare -A suite_type=([canary]=CanarySuite [bluegreen]=BlueGreenSuite [experiment]=ExperimentSuite
  [analysis]=AnalysisSuite [functional]=FunctionalSuite)
rm -rf "$out" && mkdir -p "$out"
# A test matching ARGO_E2E_ISOLATED runs alone, in its own process, after the shards: the TestMalformed* tests
# store a Rollout with `memory: invalid`, which no typed client can decode, so while it exists every list of
# Rollouts in its namespace fails (the suite's own informers; with --instance-id, Argo's cluster-wide one too).
isolated_re="${ARGO_E2E_ISOLATED-^TestMalformed}"
shards=()   # "suite|name|regex"
isolated=() # the same, one test each
for s in $suites; do
  [ -n "${suite_func[$s]:-}" ] || die "unknown suite $s (one of ${!suite_func[*]})"
  methods=$(sed -n "s/^func (s \*${suite_type[$s]}) \(Test[A-Za-z0-9_]*\)().*/\1/p" "$src"/test/e2e/*_test.go)
  if [ -n "${ARGO_E2E_TESTS:-}" ]; then methods=$(echo "$methods" | grep -E "$ARGO_E2E_TESTS" || true); fi
  if [ -n "$isolated_re" ]; then
    for m in $(echo "$methods" | grep -E "$isolated_re" || true); do
      isolated+=("$s|$s-$(echo "$m" | tr 'A-Z' 'a-z')|^$m\$")
    done
    methods=$(echo "$methods" | grep -vE "$isolated_re" || true)
  fi
  [ -n "$methods" ] || continue
  n=$(echo "$methods" | wc -l); k=$(( (n + shard_size - 1) / shard_size )); i=0
  for j in $(seq 0 $((k - 1))); do
    # round robin, so each shard gets a mix of short and long tests
    names=$(echo "$methods" | awk -v k="$k" -v j="$j" '(NR - 1) % k == j' | paste -sd'|')
    shards+=("$s|$s-$j|^($names)\$")
  done
done
[ $(( ${#shards[@]} + ${#isolated[@]} )) -gt 0 ] || die "no test selected"
printf '%s\n' "${shards[@]}" "${isolated[@]}" > "$out/shards.txt"
say "${#shards[@]} shards: $(printf '%s ' "${shards[@]}" | sed 's/|^([^ ]*//g'); then, alone: $(printf '%s ' "${isolated[@]}" | sed 's/|^[^ ]*//g')"

# ---- 2. the control plane ----------------------------------------------------------------------------------
export ROLLOUTS_KUBE_STATE="${ROLLOUTS_KUBE_STATE:-/tmp/rollouts-argo-e2e-kube}"
export ROLLOUTS_KUBE_PORT="${ROLLOUTS_KUBE_PORT:-26443}"
export ROLLOUTS_ETCD_PORT="${ROLLOUTS_ETCD_PORT:-33790}"
export ROLLOUTS_KUBE_POD_STAGES="$here/kwok-pod-stages.yaml"
# A kubelet takes a moment to start a container; with kwok's 200 ms default some tests cannot see an update midway.
export ROLLOUTS_KUBE_READY_DELAY_MS="${ROLLOUTS_KUBE_READY_DELAY_MS:-2000}"
ctl_pid=""
stop_controller() {
  [ -n "$ctl_pid" ] || return 0
  if kill -0 "$ctl_pid" 2>/dev/null; then
    kill -TERM "$ctl_pid"
    for _ in $(seq 1 100); do kill -0 "$ctl_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$ctl_pid" 2>/dev/null && kill -KILL "$ctl_pid"
  fi
  ctl_pid=""
}
cleanup() { stop_controller; "$root/tools/kube/stop.sh" >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM
t0=$(date +%s)
"$root/tools/kube/start.sh" > "$out/cluster-start.log" 2>&1 || { cat "$out/cluster-start.log" >&2; die "tools/kube/start.sh failed"; }
if grep -q 'already running' "$out/cluster-start.log"; then die "a cluster from $ROLLOUTS_KUBE_STATE is already running: stop it first (ROLLOUTS_KUBE_STATE=$ROLLOUTS_KUBE_STATE tools/kube/stop.sh)"; fi
kubeconfig="$ROLLOUTS_KUBE_STATE/kubeconfig"
export KUBECONFIG="$kubeconfig"
crd_files=()
for f in "$root"/packages/api/crds/*.yaml; do grep -q '^kind: CustomResourceDefinition' "$f" && crd_files+=(-f "$f"); done
[ "${#crd_files[@]}" -gt 0 ] || die "no CRDs in packages/api/crds"
kubectl apply --server-side --force-conflicts "${crd_files[@]}" > "$out/crds.log" 2>&1 || { cat "$out/crds.log" >&2; die "applying our CRDs failed"; }
kubectl wait --for condition=Established --timeout 60s "${crd_files[@]}" >> "$out/crds.log" 2>&1 || die "our CRDs are not Established"
kubectl create namespace argo-rollouts >/dev/null 2>&1 || true
say "cluster up, our CRDs applied in $(secs "$t0")s (KUBECONFIG=$kubeconfig)"

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_controller() { # ours|argo LOG
  local flags=(--kubeconfig "$kubeconfig" --instance-id "$instance_id" --leader-elect=false --loglevel info)
  for p in 8080 8090; do port_busy "$p" && die "port $p is busy (the suite's TestControllerMetrics reads the controller's metrics on 8090)"; done
  local cmd
  case "$1" in
    ours) cmd=(node "$root/apps/controller/bin/rollouts-controller.js") ;;
    argo) cmd=(env POD_NAMESPACE=argo-rollouts "$abin/rollouts-controller") ;;
  esac
  # started from a subshell, so that it is not a child of this shell (whose `wait` is for the test shards)
  ctl_pid="$( (setsid "${cmd[@]}" "${flags[@]}" > "$2" 2>&1 < /dev/null & echo $!) )"
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:8080/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$ctl_pid" 2>/dev/null || { tail -20 "$2" >&2; die "controller $1 exited at start"; }
    sleep 0.2
  done
  tail -20 "$2" >&2; die "controller $1 did not answer /healthz within 60 s"
}

run_shard() { # controller suite name regex timeout
  local c="$1" s="$2" name="$3" re="$4" timeout="$5" ns="e2e-$1-$3" kc="$out/$1/kubeconfig-$3"
  sed "s/namespace: default/namespace: $ns/" "$kubeconfig" > "$kc"
  KUBECONFIG="$kc" kubectl create namespace "$ns" >/dev/null
  (
    cd "$src/test/e2e" &&
    KUBECONFIG="$kc" E2E_INSTANCE_ID="$instance_id" E2E_WAIT_TIMEOUT="$wait_timeout" E2E_POD_DELAY=0 \
      "$abin/e2e.test" -test.v=test2json -test.timeout "$timeout" -test.run "^${suite_func[$s]}\$" -testify.m "$re" 2>&1
  ) | tee "$out/$c/$name.log" | go tool test2json -t -p e2e > "$out/$c/$name.jsonl"
  KUBECONFIG="$kc" kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
}

# ---- 3. the suites, one controller at a time ---------------------------------------------------------------
for c in $controllers; do
  case "$c" in ours|argo) ;; *) die "unknown controller $c (ours or argo)";; esac
  mkdir -p "$out/$c"
  t0=$(date +%s)
  start_controller "$c" "$out/$c/controller.log"
  say "$c: controller up (pid $ctl_pid); running ${#shards[@]} shards, $parallel at a time"
  running=0
  for sh in "${shards[@]}"; do
    IFS='|' read -r s name re <<< "$sh"
    run_shard "$c" "$s" "$name" "$re" "${ARGO_E2E_SHARD_TIMEOUT:-25m}" &
    running=$((running + 1))
    if [ "$running" -ge "$parallel" ]; then wait -n; running=$((running - 1)); fi
  done
  wait
  for sh in "${isolated[@]}"; do
    IFS='|' read -r s name re <<< "$sh"
    run_shard "$c" "$s" "$name" "$re" 5m
  done
  kill -0 "$ctl_pid" 2>/dev/null || say "$c: WARNING: the controller exited during the run (see $out/$c/controller.log)"
  stop_controller
  echo "$(secs "$t0")" > "$out/$c/seconds"
  say "$c: done in $(secs "$t0")s: $(cat "$out/$c"/*.jsonl | grep -c '"Action":"pass","Package":"[^"]*","Test":"Test[A-Za-z]*Suite/') passed, $(cat "$out/$c"/*.jsonl | grep -c '"Action":"fail","Package":"[^"]*","Test":"Test[A-Za-z]*Suite/') failed"
  # wait for the namespaces of this controller's shards to go before the next controller starts
  for _ in $(seq 1 120); do kubectl get ns -o name | grep -q "namespace/e2e-$c-" || break; sleep 1; done
done
cleanup
trap - EXIT

# ---- 4. the report -----------------------------------------------------------------------------------------
write_doc=0
if [ -z "${ARGO_E2E_TESTS:-}" ] && [ "$suites" = "canary bluegreen experiment analysis functional" ] && [ "$controllers" = "ours argo" ]; then write_doc=1; fi
[ -n "${ARGO_E2E_WRITE_DOC:-}" ] && write_doc="$ARGO_E2E_WRITE_DOC"
node "$here/report.js" --out "$out" --src "$src/test/e2e" --version "$version" --kube "$KUBE_VERSION" \
  --known "$here/known-differences.tsv" --notes "$here/notes.tsv" --total-seconds "$(secs "$t_start")" \
  $( [ "$write_doc" = 1 ] && echo --doc "$root/docs/compatibility.md" )
