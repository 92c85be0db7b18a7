#!/usr/bin/env bash
# Everything `npm test` needs beyond `npm ci`, installed only when missing (idempotent; about a second
# when already set up). It is the first step of `npm test`, and `.ci/run` runs nothing else than
# `npm ci && npm test`, so this is the one list of what the tests need from the system.
#
#   1. Debian packages (apt, as root). Not root and something missing → print the exact command, exit 1.
#   2. The project-local Python virtual environment .venv with requirements-test.txt (PyPI).
#
# Never skips silently: any failure stops `npm test` with a message naming what is missing.
#
# Debian packages and who needs them:
# - python3, python3-venv: the .venv below (created from Debian's /usr/bin/python3 with
#   --system-site-packages, so Debian's numpy / nbclient stay visible);
# - python3-numpy: the numpy side of `npm run bench`; Python-parity tests run Debian's /usr/bin/python3;
# - jupyter-nbconvert, python3-nbclient, jupyter-client, jupyter-core: headless notebook execution
#   (`npm run notebooks`, the last step of `npm test`) and the HTML export test;
# - jupyter-notebook: the notebook server behind `npm run lab` (its start-up is tested);
# - fonts-dejavu-core: the font resvg renders PNG figures with;
# - slurmctld, slurmd, slurm-client: the real two-node Slurm cluster test/cluster/slurm_harness.ts starts
#   (auth/none, loopback only).
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS="python3 python3-venv python3-numpy jupyter-nbconvert python3-nbclient jupyter-client jupyter-core jupyter-notebook fonts-dejavu-core slurmctld slurmd slurm-client"
missing=""
for p in $PKGS; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "setup-test-env: installing Debian packages:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "setup-test-env: missing Debian packages:$missing" >&2
    echo "  run: sudo apt-get install -y --no-install-recommends$missing" >&2
    echo "  (then run the tests again; nothing was changed)" >&2
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
