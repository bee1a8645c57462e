#!/usr/bin/env bash
# The project's test command: installs what the tests need, then runs every test.
#   1. system libraries (scripts/setup.sh)
#   2. the real model files and their independent references (scripts/fetch-models.sh)
#   3. the Python trace recorder, in the project's virtual environment .venv/, and its tests
#      (tools/recorder, pytest on the real SmolLM2 file)
#   4. swift test on every build the README promises, each optimised (the tests run SmolLM2's real
#      weights through the chip's arithmetic): the portable default build, then on x86-64 the
#      `SPIKECHIP_NATIVE=1` build (AVX2/AVX-512 primitives) in .build/native.
#      SPIKECHIP_TEST_BUILDS=portable (or native) tests one of them. Arguments go to `swift test`.
#   5. every example of README.md, run as written (scripts/check-readme.sh)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
bash scripts/fetch-models.sh
bash scripts/setup-recorder.sh
"${SPIKECHIP_VENV:-$root/.venv}/bin/python" -m pytest -q tools/recorder/tests
builds=${SPIKECHIP_TEST_BUILDS:-portable native}
[ "$(uname -m)" = x86_64 ] || builds=portable
for build in $builds; do
  case $build in
    portable) env=(env -u SPIKECHIP_NATIVE -u SPIKECHIP_CPU) scratch=.build ;;
    native) env=(env SPIKECHIP_NATIVE=1) scratch=.build/native ;;
    *) echo "error: SPIKECHIP_TEST_BUILDS may hold 'portable' and 'native', not '$build'" >&2; exit 2 ;;
  esac
  echo "== swift test, $build build" >&2
  "${env[@]}" swift build -c release --scratch-path "$scratch" --build-tests -Xswiftc -enable-testing
  "${env[@]}" swift test -c release --scratch-path "$scratch" --skip-build -Xswiftc -enable-testing "$@"
  # Every README example, as written, once (on the first build tested).
  [ -n "${readme_checked:-}" ] || { bash scripts/check-readme.sh "$scratch/release/spikechip"; readme_checked=1; }
done
