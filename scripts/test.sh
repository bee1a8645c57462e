#!/usr/bin/env bash
# The project's test command: installs what the tests need, then runs every test.
#   1. system libraries (scripts/setup.sh)
#   2. the real model files and their independent references (scripts/fetch-models.sh)
#   3. the Python trace recorder and its tests (tools/recorder, pytest on the real SmolLM2 file)
#   4. swift test (Swift Testing; debug build)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
bash scripts/fetch-models.sh
bash scripts/setup-recorder.sh
python3 -m pytest -q tools/recorder/tests
swift test "$@"
