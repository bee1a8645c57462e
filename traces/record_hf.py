#!/usr/bin/env python3
"""Thin entry point to the trace recorder without installing it:
`python3 traces/record_hf.py --model M --prompt "..." -o out.act.trace` is `spikechip-record ...`.
See tools/recorder/README.md (dependencies: bash scripts/setup-recorder.sh)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools" / "recorder"))

from spikechip_recorder.cli import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
