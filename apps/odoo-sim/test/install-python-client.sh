#!/usr/bin/env bash
# Installs Debian's python3-odoorpc (a real Odoo client the simulator's tests run against) only if missing.
# The tests call /usr/bin/python3, Debian's interpreter, so that a pyenv/venv python on PATH does not matter.
set -euo pipefail
if /usr/bin/python3 -c 'import odoorpc' >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq python3-odoorpc >/dev/null
/usr/bin/python3 -c 'import odoorpc; print("python3-odoorpc", odoorpc.__version__ if hasattr(odoorpc, "__version__") else "installed")'
