#!/usr/bin/env bash
# Starts the tier-4 test cluster on 127.0.0.1: etcd -> kube-apiserver -> kube-controller-manager and
# kube-scheduler -> kwok with fake nodes, from the binaries of tools/kube/build.sh. Waits for /readyz and a
# Ready node, writes <state>/kubeconfig (token user in system:masters) and records the pids in <state>/pids.
#
# Environment (all optional):
#   ROLLOUTS_KUBE_STATE      state dir (default /tmp/rollouts-kube); wiped on every start
#   ROLLOUTS_KUBE_CACHE      binary cache (default ~/.cache/rollouts-kube), as build.sh
#   ROLLOUTS_KUBE_PORT       kube-apiserver port (default 16443)
#   ROLLOUTS_ETCD_PORT       etcd client port (default 23790; the peer port is this + 10)
#   ROLLOUTS_KUBE_NODES      number of fake nodes (default 2)
#   ROLLOUTS_KUBE_READY_DELAY_MS  how long a bound pod takes to become Running/Ready (default 200)
#   ROLLOUTS_KUBE_POD_STAGES a file of kwok pod Stages used instead of those of kwok.yaml (its node stages stay)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/versions.env"
state="${ROLLOUTS_KUBE_STATE:-/tmp/rollouts-kube}"
bin="${ROLLOUTS_KUBE_CACHE:-$HOME/.cache/rollouts-kube}/$KUBE_VERSION/bin"
port="${ROLLOUTS_KUBE_PORT:-16443}"
etcd_port="${ROLLOUTS_ETCD_PORT:-23790}"
etcd_peer=$((etcd_port + 10))
nodes="${ROLLOUTS_KUBE_NODES:-2}"
ready_delay="${ROLLOUTS_KUBE_READY_DELAY_MS:-200}"
t0=$(date +%s%N)
say() { echo "start.sh: $*"; }
die() { echo "start.sh: $*" >&2; exit 1; }
elapsed() { local ms=$(( ($(date +%s%N) - t0) / 1000000 )); printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)); }

for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
  [ -x "$bin/$b" ] || die "missing $bin/$b: run tools/kube/build.sh first"
done
command -v openssl >/dev/null || die "openssl not found (apt-get install -y openssl)"
command -v curl >/dev/null || die "curl not found (apt-get install -y curl)"

# Already running from this state dir? Then there is nothing to do.
if [ -d "$state/pids" ]; then
  alive=""
  for f in "$state"/pids/*.pid; do
    [ -e "$f" ] || continue
    pid="$(cat "$f")"; kill -0 "$pid" 2>/dev/null && alive="$alive $(basename "$f" .pid)=$pid"
  done
  if [ -n "$alive" ]; then
    if curl -sf --cacert "$state/pki/ca.crt" -H "Authorization: Bearer $(cat "$state/token")" "https://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
      say "already running from $state:$alive (tools/kube/stop.sh stops it)"; exit 0
    fi
    die "processes from an earlier start in $state are still alive:$alive; run tools/kube/stop.sh first"
  fi
fi

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$port" "$etcd_port" "$etcd_peer"; do
  if port_busy "$p"; then die "port 127.0.0.1:$p is busy (set ROLLOUTS_KUBE_PORT / ROLLOUTS_ETCD_PORT to free ones)"; fi
done

rm -rf "$state"
mkdir -p "$state/pki" "$state/pids" "$state/logs"
pki="$state/pki"

# ---- keys and certificates (openssl) ---------------------------------------------------------------------
(
  cd "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=rollouts-test-ca" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' > apiserver.ext
  openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 2 -extfile apiserver.ext 2>/dev/null
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
)
token="$(openssl rand -hex 24)"
echo "$token" > "$state/token"
echo "$token,rollouts-admin,rollouts-admin,\"system:masters\"" > "$pki/tokens.csv"
chmod 600 "$state/token" "$pki"/*.key "$pki/tokens.csv"

server="https://127.0.0.1:$port"
cat > "$state/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: rollouts-test
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 < "$pki/ca.crt")
users:
- name: rollouts-admin
  user:
    token: $token
contexts:
- name: rollouts-test
  context: {cluster: rollouts-test, user: rollouts-admin, namespace: default}
current-context: rollouts-test
KUBECONFIG
chmod 600 "$state/kubeconfig"

# start NAME BINARY ARGS...: in its own session, logging to <state>/logs/NAME.log
start() {
  local name="$1"; shift
  setsid "$@" > "$state/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$state/pids/$name.pid"
  echo "$name" >> "$state/pids/order"
}
fail() { # NAME MESSAGE: print the component's log tail, stop everything, exit
  echo "start.sh: $2" >&2
  [ -f "$state/logs/$1.log" ] && tail -n 30 "$state/logs/$1.log" | sed "s/^/  $1: /" >&2
  "$here/stop.sh" >/dev/null 2>&1 || true
  exit 1
}
alive() { kill -0 "$(cat "$state/pids/$1.pid")" 2>/dev/null; }
api() { curl -sf --cacert "$pki/ca.crt" -H "Authorization: Bearer $token" "$@"; }

# ---- etcd ------------------------------------------------------------------------------------------------
# Its data lives in memory when /dev/shm is there (Debian's etcd 3.4 has no --unsafe-no-fsync).
etcd_data="$state/etcd"
if [ -d /dev/shm ] && [ -w /dev/shm ]; then etcd_data="/dev/shm/rollouts-kube-etcd-$etcd_port"; rm -rf "$etcd_data"; fi
echo "$etcd_data" > "$state/etcd-data-dir"
etcd_flags=(--logger zap --log-level warn)
"$bin/etcd" --help 2>&1 | grep -q -- '--unsafe-no-fsync' && etcd_flags+=(--unsafe-no-fsync)
start etcd "$bin/etcd" --name rollouts-test --data-dir "$etcd_data" "${etcd_flags[@]}" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
  --initial-cluster "rollouts-test=http://127.0.0.1:$etcd_peer"
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$etcd_port/health" 2>/dev/null | grep -q '"health":"true"' && break
  alive etcd || fail etcd "etcd exited"
  sleep 0.1
done
curl -sf "http://127.0.0.1:$etcd_port/health" | grep -q '"health":"true"' || fail etcd "etcd not healthy after 10 s"
say "etcd $(cat "$bin/etcd.version" 2>/dev/null) healthy after $(elapsed)s"

# ---- kube-apiserver --------------------------------------------------------------------------------------
# No kubelets, so: no ServiceAccount admission (pods need no token), no TaintNodesByCondition (kwok's nodes
# are Ready at once and no node-lifecycle controller runs to lift a not-ready taint).
# An audit log of every request but watches and non-resource URLs (metadata only): the tests count the
# controller's API writes from it, as they do from kube-sim's request log.
cat > "$state/audit-policy.yaml" <<'POLICY'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived, ResponseStarted]
rules:
- level: None
  verbs: [watch]
- level: None
  nonResourceURLs: ['*']
- level: Metadata
POLICY
start kube-apiserver "$bin/kube-apiserver" \
  --audit-policy-file="$state/audit-policy.yaml" --audit-log-path="$state/audit.log" --audit-log-mode=blocking \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$port" \
  --etcd-servers="http://127.0.0.1:$etcd_port" \
  --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
  --token-auth-file="$pki/tokens.csv" --authorization-mode=RBAC \
  --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-cluster-ip-range=10.96.0.0/16 \
  --disable-admission-plugins=ServiceAccount,TaintNodesByCondition \
  --endpoint-reconciler-type=none --profiling=false --v=1
for _ in $(seq 1 600); do
  api "$server/readyz" >/dev/null 2>&1 && break
  alive kube-apiserver || fail kube-apiserver "kube-apiserver exited"
  sleep 0.1
done
api "$server/readyz" >/dev/null || fail kube-apiserver "kube-apiserver not ready after 60 s"
say "kube-apiserver $KUBE_VERSION ready at $server after $(elapsed)s"

# ---- kube-controller-manager and kube-scheduler ----------------------------------------------------------
start kube-controller-manager "$bin/kube-controller-manager" --kubeconfig="$state/kubeconfig" \
  --controllers=replicaset,deployment,job,garbagecollector,namespace,serviceaccount \
  --leader-elect=false --secure-port=0 --kube-api-qps=200 --kube-api-burst=400 \
  --concurrent-replicaset-syncs=10 --concurrent-deployment-syncs=10 --concurrent-gc-syncs=10 --v=1
start kube-scheduler "$bin/kube-scheduler" --kubeconfig="$state/kubeconfig" --leader-elect=false --secure-port=0 --v=1

# ---- kwok and its nodes ----------------------------------------------------------------------------------
if [ -n "${ROLLOUTS_KUBE_POD_STAGES:-}" ]; then
  [ -f "$ROLLOUTS_KUBE_POD_STAGES" ] || die "ROLLOUTS_KUBE_POD_STAGES: no file $ROLLOUTS_KUBE_POD_STAGES"
  { sed '/^# @POD-STAGES@/,$d' "$here/kwok.yaml"; echo '---'; cat "$ROLLOUTS_KUBE_POD_STAGES"; } |
    sed "s/@READY_DELAY_MS@/$ready_delay/g" > "$state/kwok.yaml"
else
  sed "s/@READY_DELAY_MS@/$ready_delay/g" "$here/kwok.yaml" > "$state/kwok.yaml"
fi
start kwok "$bin/kwok" --kubeconfig="$state/kubeconfig" -c "$state/kwok.yaml"
for i in $(seq 0 $((nodes - 1))); do
  api -X POST -H 'Content-Type: application/json' "$server/api/v1/nodes" -d "{
    \"apiVersion\": \"v1\", \"kind\": \"Node\",
    \"metadata\": {\"name\": \"kwok-node-$i\",
      \"annotations\": {\"kwok.x-k8s.io/node\": \"fake\", \"node.alpha.kubernetes.io/ttl\": \"0\"},
      \"labels\": {\"kubernetes.io/hostname\": \"kwok-node-$i\", \"kubernetes.io/os\": \"linux\", \"type\": \"kwok\"}}
  }" >/dev/null || fail kube-apiserver "could not create node kwok-node-$i"
done
ready_nodes() { api "$server/api/v1/nodes" | tr -d ' \n' | grep -o '"type":"Ready","status":"True"' | wc -l; }
for _ in $(seq 1 300); do
  [ "$(ready_nodes)" -ge 1 ] && break
  for c in kube-controller-manager kube-scheduler kwok; do alive "$c" || fail "$c" "$c exited"; done
  sleep 0.1
done
[ "$(ready_nodes)" -ge 1 ] || fail kwok "no Ready node after 30 s"
for c in kube-controller-manager kube-scheduler kwok; do alive "$c" || fail "$c" "$c exited"; done
say "kwok $KWOK_VERSION: $(ready_nodes) of $nodes fake nodes Ready after $(elapsed)s"
say "cluster up in $(elapsed)s; KUBECONFIG=$state/kubeconfig; logs in $state/logs; stop with tools/kube/stop.sh"
