#!/usr/bin/env bash
# Regenerates the reference fixtures of Tests/NetworksTests/Fixtures/ with the Python peers
# (snnTorch, Brian2, nir; installed into .venv-peers/ by scripts/setup-peers.sh) and runs the
# converter's tests (tools/nir/tests):
#   1. scripts/setup-peers.sh (quiet when already done)
#   2. tools/nir/make_fixtures.py (snnTorch: ff, recurrent, synaptic, subtract) and
#      tools/nir/make_brian2_fixture.py (Brian2: brian2-lif, brian2-if, brian2-refractory) into the fixture folder,
#      each checked against the numpy reference simulator (tools/nir/refsim.py)
#   3. both again into a scratch folder: every file must be byte-identical (sha256), so the
#      fixtures are deterministic
#   4. pytest tools/nir/tests
# Prints which fixture files changed against what was there before. With --check, a changed
# fixture is an error (exit 1) instead of an update of the work tree.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: scripts/compare-peers.sh [--check]" >&2; exit 2 ;;
esac

bash scripts/setup-peers.sh
python="$root/.venv-peers/bin/python"
fixtures="Tests/NetworksTests/Fixtures"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# ff.trace is SpikeChip's own output, not a peer's: the Swift tests keep it current (NetworkTraceTests).
digests() { (cd "$1" && find . -maxdepth 1 -type f ! -name '*.partial' ! -name '*.trace' | sort | xargs -r sha256sum); }

mkdir -p "$fixtures"
digests "$fixtures" >"$scratch/before"
out="$fixtures"
[ "$check" = 1 ] && out="$scratch/first" && mkdir -p "$out"
echo "== fixtures: snnTorch" >&2
"$python" tools/nir/make_fixtures.py --out "$out"
echo "== fixtures: Brian2" >&2
"$python" tools/nir/make_brian2_fixture.py --out "$out"

echo "== determinism: regenerating into a scratch folder" >&2
mkdir -p "$scratch/again"
"$python" tools/nir/make_fixtures.py --out "$scratch/again" 2>/dev/null
"$python" tools/nir/make_brian2_fixture.py --out "$scratch/again" 2>/dev/null
if ! diff <(digests "$out") <(digests "$scratch/again") >"$scratch/nondeterministic"; then
  echo "compare-peers: regenerating gave different files:" >&2
  cat "$scratch/nondeterministic" >&2
  exit 1
fi
echo "compare-peers: $(digests "$out" | wc -l) fixture files, byte-identical when regenerated" >&2

if diff "$scratch/before" <(digests "$out") >"$scratch/changed"; then
  echo "compare-peers: the fixtures are unchanged" >&2
else
  echo "compare-peers: fixture files that changed against the ones in $fixtures:" >&2
  grep '^[<>]' "$scratch/changed" | awk '{print "  " $1 " " $3}' | sort -k2 -u >&2
  if [ "$check" = 1 ]; then
    exit 1
  fi
fi

echo "== pytest tools/nir/tests" >&2
cd tools/nir
"$python" -m pytest -q
echo "== pytest tools/sanafe/tests" >&2
(cd "$root/tools/sanafe" && "$python" -m pytest -q tests)
