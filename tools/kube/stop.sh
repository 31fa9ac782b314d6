#!/usr/bin/env bash
# Stops the cluster started by tools/kube/start.sh: each recorded pid, in reverse start order (TERM, then KILL
# after 10 s). Only pids still running the binary they were started with are signalled. Keeps the state dir
# (logs) unless ROLLOUTS_KUBE_KEEP_STATE=0.
set -uo pipefail
state="${ROLLOUTS_KUBE_STATE:-/tmp/rollouts-kube}"
[ -f "$state/pids/order" ] || { echo "stop.sh: nothing recorded in $state/pids"; exit 0; }
ours() { # pid name: the pid is alive and runs our binary of that name
  kill -0 "$1" 2>/dev/null && tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -q "/$2 "
}
for name in $(tac "$state/pids/order"); do
  f="$state/pids/$name.pid"; [ -f "$f" ] || continue
  pid="$(cat "$f")"
  if ours "$pid" "$name"; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do ours "$pid" "$name" || break; sleep 0.1; done
    if ours "$pid" "$name"; then echo "stop.sh: $name ($pid) did not stop on TERM; KILL"; kill -KILL "$pid"; fi
    echo "stop.sh: stopped $name ($pid)"
  fi
  rm -f "$f"
done
rm -f "$state/pids/order"
# etcd's data, when start.sh put it in memory
if [ -f "$state/etcd-data-dir" ]; then
  case "$(cat "$state/etcd-data-dir")" in /dev/shm/rollouts-kube-etcd-*) rm -rf "$(cat "$state/etcd-data-dir")" ;; esac
fi
if [ "${ROLLOUTS_KUBE_KEEP_STATE:-1}" = 0 ]; then rm -rf "$state"; fi
