#!/usr/bin/env bash
# Installs the Python trace recorder (tools/recorder, `spikechip-record`) and the pinned
# packages of tools/recorder/requirements.txt (torch, transformers, accelerate, gguf, numpy,
# pytest) from PyPI into the project's virtual environment .venv/ (SPIKECHIP_VENV overrides it;
# stock Debian and Ubuntu refuse pip into the system Python): then `.venv/bin/spikechip-record`.
# Idempotent: quiet and ~1 s when everything is already there at those versions and the
# recorder is installed from this checkout.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
recorder="$root/tools/recorder"
requirements="$recorder/requirements.txt"
venv="${SPIKECHIP_VENV:-$root/.venv}"
python3() { "$venv/bin/python" "$@"; }
[ -x "$venv/bin/python" ] || command python3 -m venv "$venv"

installed() {
  # -I: ignore PYTHONPATH and the working directory, so only what pip installed counts.
  python3 -I "$root/scripts/pinned.py" "$requirements" || return 1
  python3 -I - "$recorder" <<'PY'
import pathlib
import sys

import spikechip_recorder

here = pathlib.Path(spikechip_recorder.__file__).resolve().parent
if here != pathlib.Path(sys.argv[1], "spikechip_recorder").resolve():
    sys.exit(f"spikechip_recorder is installed from {here}")
PY
}

if installed >/dev/null 2>&1; then
  exit 0
fi
echo "setup-recorder: installing tools/recorder and tools/recorder/requirements.txt" >&2
pip_quiet=(--quiet --disable-pip-version-check)
python3 -m pip install "${pip_quiet[@]}" -r "$requirements"
# Editable, so that the console script and imports follow this checkout without reinstalling.
python3 -m pip install "${pip_quiet[@]}" --no-deps -e "$recorder"
if ! problem="$(installed 2>&1)"; then
  echo "setup-recorder: still not installed after pip: $problem" >&2
  exit 1
fi
