import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

TOOLS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TOOLS))
CONVERTER = TOOLS / "nir2spikechip.py"


def plain_read(path):
    """(metadata, graph, tensors) of a safetensors file, read with json and numpy only (not with
    the converter's own reader)."""
    raw = Path(path).read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n].decode("utf8"))
    metadata = header.pop("__metadata__")
    tensors = {}
    for name, info in header.items():
        assert info["dtype"] == "F32"
        a, b = info["data_offsets"]
        tensors[name] = np.frombuffer(raw[8 + n + a:8 + n + b], dtype="<f4").reshape(info["shape"])
    return metadata, json.loads(metadata["graph"]), tensors


def run_converter(source, target):
    return subprocess.run([sys.executable, str(CONVERTER), str(source), str(target)],
                          capture_output=True, text=True)


@pytest.fixture
def convert(tmp_path):
    """Writes a NIR graph, converts it with the command line and reads the result back."""
    import nir

    def go(graph, name="net"):
        source, target = tmp_path / f"{name}.nir", tmp_path / f"{name}.safetensors"
        nir.write(source, graph)
        done = run_converter(source, target)
        assert done.returncode == 0, done.stderr
        return plain_read(target)

    return go
