#!/usr/bin/env bash
# Creates the Python virtual environment .venv-peers/ at the repository root and installs the
# pinned packages of tools/nir/requirements.txt into it (nir, nirtorch, snnTorch, torch CPU,
# numpy, h5py, Brian2, pytest), from PyPI and pip's find-links. These are the "peers" that
# tools/nir/ uses to convert NIR graphs and to make reference fixtures for the Swift tests.
# Idempotent: quiet and ~1 s when the venv already has exactly those versions.
# SPIKECHIP_PEERS_VENV overrides the venv's location.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SPIKECHIP_PEERS_VENV:-$root/.venv-peers}"
requirements="$root/tools/nir/requirements.txt"

installed() {
  [ -x "$venv/bin/python" ] || { echo "no venv at $venv"; return 1; }
  # -I: ignore PYTHONPATH and the working directory, so only what pip installed counts.
  "$venv/bin/python" -I "$root/scripts/pinned.py" "$requirements"
}

if installed >/dev/null 2>&1; then
  exit 0
fi
start=$SECONDS
if [ ! -x "$venv/bin/python" ]; then
  echo "setup-peers: creating the virtual environment $venv" >&2
  python3 -m venv "$venv"
fi
echo "setup-peers: installing tools/nir/requirements.txt into $venv" >&2
pip_quiet=(--quiet --disable-pip-version-check)
"$venv/bin/python" -m pip install "${pip_quiet[@]}" -r "$requirements"
if ! problem="$(installed 2>&1)"; then
  echo "setup-peers: still not installed after pip: $problem" >&2
  exit 1
fi
echo "setup-peers: done in $((SECONDS - start)) s ($(du -sh "$venv" | cut -f1))" >&2
