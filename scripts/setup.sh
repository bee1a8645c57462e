#!/usr/bin/env bash
# Installs the system libraries SpikeChip links against (OpenBLAS for the dense reference
# and baselines, SQLite for run databases, Open MPI for runs over ranks, with its mpirun, zlib
# for compressed .npz inputs) when they are missing. Quiet when they are there.
set -euo pipefail
missing=()
for pkg in libopenblas-dev libsqlite3-dev libopenmpi-dev openmpi-bin zlib1g-dev pkg-config; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
# The Python helpers live in the project's virtual environment (.venv/); Debian's python3 needs
# python3-venv for that (a Python built elsewhere, e.g. by pyenv, has ensurepip already).
python3 -c "import ensurepip" >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
