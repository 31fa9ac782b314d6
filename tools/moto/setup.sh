#!/usr/bin/env bash
# Installs moto's server mode (an AWS API emulator, https://github.com/getmoto/moto) into a private venv
# so the AWS tests (packages/plugin-aws, packages/metrics-cloudwatch, the ALB verify e2e) talk to a real
# AWS API implementation. Idempotent: a second run with the same pin does nothing but print the path.
#
#   ROLLOUTS_MOTO_CACHE  where the venv lives (default: $HOME/.cache/rollouts-moto)
#   PYTHON               the interpreter to build the venv with (default: python3, needs >= 3.9)
#
# Prints the absolute path of `moto_server` on its last line of stdout; the jest helper
# (@rollouts/plugin-aws/testing) finds it at the same place, or through ROLLOUTS_MOTO_SERVER.
set -euo pipefail

MOTO_VERSION="5.2.6"
CACHE="${ROLLOUTS_MOTO_CACHE:-$HOME/.cache/rollouts-moto}"
VENV="$CACHE/venv-$MOTO_VERSION"
PY="${PYTHON:-python3}"
SERVER="$VENV/bin/moto_server"

if [[ -x "$SERVER" ]] && "$VENV/bin/python" -c "import moto, sys; sys.exit(0 if moto.__version__ == '$MOTO_VERSION' else 1)" 2>/dev/null; then
  echo "$SERVER"
  exit 0
fi

command -v "$PY" >/dev/null || { echo "setup.sh: $PY not found; install Python 3 (with venv) or set PYTHON" >&2; exit 1; }
mkdir -p "$CACHE"
# Missing, half-finished (interrupted run) or another version: build it again from scratch.
rm -rf "$VENV"
"$PY" -m venv "$VENV" >&2
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
ln -sfn "$VENV" "$CACHE/current"
echo "$SERVER"
