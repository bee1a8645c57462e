#!/usr/bin/env bash
# Runs every `spikechip …` example of README.md's "Examples" block as written, with the release
# binary, in a scratch directory that sees the repository's .cache, traces, topologies and Tests (the
# network fixtures), and fails naming the first example that exits non-zero. scripts/test.sh calls it.
#
#   scripts/check-readme.sh [BINARY]      (default: .build/release/spikechip)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin=$(cd "$root" && realpath "${1:-.build/release/spikechip}")
[ -x "$bin" ] || { echo "check-readme: '$bin' is not built; run swift build -c release" >&2; exit 2; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
ln -s "$root/.cache" "$root/traces" "$root/topologies" "$root/Tests" "$scratch/"
mkdir -p "$scratch/bin" && ln -s "$bin" "$scratch/bin/spikechip"
# The fenced block after "Examples:", continuation lines joined (bash drops the comments); the Python
# recorder (its own tests) and lines that are not spikechip commands (or mpirun of one) are skipped.
examples=$(awk '/^Examples:/ {f=1; next} f && /^```sh/ {b=1; next} b && /^```/ {exit} b' "$root/README.md" \
  | sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*/ /; ta' | grep -E '^(spikechip|mpirun .* spikechip) ' || true)
# Open MPI refuses to start as root (CI's containers) unless told: a user's mpirun needs nothing.
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
[ -n "$examples" ] || { echo "check-readme: no examples found in README.md" >&2; exit 1; }
n=0
while IFS= read -r example; do
  n=$((n + 1))
  start=$(date +%s)
  if ! (cd "$scratch" && PATH="$scratch/bin:$PATH" bash -c "$example" >"$scratch/out" 2>"$scratch/err" </dev/null); then
    echo "check-readme: example $n failed: $example" >&2
    tail -5 "$scratch/err" >&2
    exit 1
  fi
  echo "ok $n ($(( $(date +%s) - start )) s): $example" >&2
done <<< "$examples"
echo "check-readme: all $n README examples ran" >&2
