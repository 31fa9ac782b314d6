#!/usr/bin/env bash
# Installs aiosmtpd (an asyncio SMTP server, https://github.com/aio-libs/aiosmtpd) into a private venv so the
# e-mail service tests of packages/notifications deliver to a real SMTP server over a real socket. Idempotent:
# a second run with the same pin does nothing but print the path.
#
#   ROLLOUTS_SMTP_CACHE  where the venv lives (default: $HOME/.cache/rollouts-smtp)
#   PYTHON               the interpreter to build the venv with (default: python3, needs >= 3.8)
#
# Prints the absolute path of the venv's `python` (which has aiosmtpd) on its last line of stdout; the jest
# helper (packages/notifications/test/services/SmtpServer.ts) finds it at the same place, or through
# ROLLOUTS_SMTP_PYTHON.
set -euo pipefail

AIOSMTPD_VERSION="1.4.6"
CACHE="${ROLLOUTS_SMTP_CACHE:-$HOME/.cache/rollouts-smtp}"
VENV="$CACHE/venv-$AIOSMTPD_VERSION"
PY="${PYTHON:-python3}"
VPY="$VENV/bin/python"

have_pin() {
  "$VPY" -c "import sys; from importlib.metadata import version; sys.exit(0 if version('aiosmtpd') == '$AIOSMTPD_VERSION' else 1)" 2>/dev/null
}

if [[ -x "$VPY" ]] && have_pin; then
  echo "$VPY"
  exit 0
fi

command -v "$PY" >/dev/null || { echo "setup.sh: $PY not found; install Python 3 (with venv) or set PYTHON" >&2; exit 1; }
mkdir -p "$CACHE"
# Missing, half-finished (an interrupted run) or another version: build it again from scratch.
rm -rf "$VENV"
"$PY" -m venv "$VENV" >&2
"$VPY" -m pip install --quiet --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION" >&2
have_pin || { echo "setup.sh: aiosmtpd $AIOSMTPD_VERSION did not install into $VENV" >&2; exit 1; }
ln -sfn "$VENV" "$CACHE/current"
echo "$VPY"
