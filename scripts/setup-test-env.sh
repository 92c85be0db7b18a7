#!/usr/bin/env bash
# Everything `npm test` needs beyond `npm ci`, installed only when missing (idempotent, ~1 s when
# already set up):
#   1. Debian packages (apt, as root). Not root and something missing → print the exact command, exit 1.
#   2. The project-local Python virtual environment .venv with requirements-test.txt (PyPI).
# Never skips silently: any failure stops `npm test` with a message naming what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS="python3 python3-venv python3-numpy jupyter-nbconvert python3-nbclient jupyter-client jupyter-core fonts-dejavu-core slurmctld slurmd slurm-client"
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "setup-test-env: installing Debian packages:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "setup-test-env: missing Debian packages:$missing" >&2
    echo "  run: sudo apt-get install -y --no-install-recommends$missing" >&2
    exit 1
  fi
fi

stamp=.venv/.requirements-test.sha256
want=$(sha256sum requirements-test.txt | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup-test-env: creating .venv (requirements-test.txt from PyPI)" >&2
  /usr/bin/python3 -m venv --system-site-packages .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-test.txt
  echo "$want" > "$stamp"
fi
