#!/usr/bin/env bash
# Provides Debian's kubectl (package kubernetes-client) for the kube-sim kubectl tests without installing it
# system-wide (it would clash with a kubectl from another source): downloads the .deb and extracts it into
# a cache folder. Prints the kubectl path on stdout; prints nothing (and says why on stderr) if it cannot.
set -uo pipefail
cache="${ROLLOUTS_CACHE:-$HOME/.cache/rollouts}/kubernetes-client"
bin="$cache/usr/bin/kubectl"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
mkdir -p "$cache" && cd "$cache" || exit 0
if ! apt-get download kubernetes-client >/dev/null 2>&1; then
  apt-get update >/dev/null 2>&1 || true
  if ! apt-get download kubernetes-client >/dev/null 2>&1; then
    echo "kubectl setup: apt-get download kubernetes-client failed" >&2
    exit 0
  fi
fi
deb=$(ls -t kubernetes-client_*.deb 2>/dev/null | head -n 1)
if [ -z "$deb" ] || ! dpkg -x "$deb" "$cache"; then
  echo "kubectl setup: could not extract $deb" >&2
  exit 0
fi
rm -f "$deb"
[ -x "$bin" ] && echo "$bin"
exit 0
