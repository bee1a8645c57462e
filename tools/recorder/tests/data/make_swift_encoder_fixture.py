"""Regenerates swift_encoder_fixture.npz: vectors encoded by Swift's ConfiguredEncoder.

The fixture is Swift's answer, not Python's, so test_spike_encoder compares two independent
implementations. To rebuild it, make a Swift package whose targets are SimKernel and Neurons
(symlinks to Sources/SimKernel and Sources/Neurons) plus an executable target EncodeDump with
EncodeDump.swift (beside this file) as main.swift, build it with `swift build -c release`, then:

    python3 make_swift_encoder_fixture.py PATH/TO/.build/release/EncodeDump [activations.trace]

The optional trace (a float16/float32 activation trace) adds real SmolLM2 activations.
"""

import struct
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from minimal_reader import read_trace  # noqa: E402

ENCODERS = [
    "spikingbrain:k=3,T=8,coding=bitwise",
    "spikingbrain:k=3,T=4,coding=bitwise",
    "spikingbrain:k=2,T=4,coding=ternary",
    "spikingbrain:k=3,T=8,coding=bitwise2c",
    "spikingbrain:k=3,T=8,coding=binary",
    "spikingbrain:alpha=0.3,rounding=floor,T=8,coding=ternary",
    "spikingbrain:alpha=0.25,v_rest=0.01,i_rest=0.1,T=12,coding=bitwise",
    "spikingbrain:k=4,T=21,coding=bitwise",
]


def vectors(trace_path):
    rng = np.random.default_rng(2026)
    out = []
    for n in (1, 5, 8, 13, 64, 577, 1536):
        t = rng.standard_t(4, n).astype(np.float32)
        t[rng.random(n) < 0.005] *= 20
        out.append(t)
        out.append(rng.laplace(0, 0.3, n).astype(np.float32))
    out.append(np.zeros(16, np.float32))
    out.append(np.full(9, -0.75, np.float32))
    out.append((rng.integers(-6, 7, 24) / 2).astype(np.float32))  # many exact ties at k=... thresholds
    if trace_path:
        tr = read_trace(Path(trace_path).read_bytes())
        for kind, _, _, payload in tr.blocks[:121:10]:
            out.append(np.frombuffer(payload, "<f2" if kind == 3 else "<f4").astype(np.float32))
    return out


def main():
    exe = sys.argv[1]
    xs = vectors(sys.argv[2] if len(sys.argv) > 2 else None)
    cases = [(e, x) for e in ENCODERS for x in xs]
    stdin = b"".join(struct.pack("<I", len(e)) + e.encode() + struct.pack("<I", x.size) + x.tobytes() for e, x in cases)
    data = subprocess.run([exe], input=stdin, capture_output=True, check=True).stdout
    arrays, pos = {}, 0
    for i, (e, x) in enumerate(cases):
        steps, scale = struct.unpack_from("<If", data, pos)
        pos += 8
        spikes = np.frombuffer(data, np.int8, steps * x.size, pos).reshape(steps, x.size)
        pos += steps * x.size
        arrays[f"x{i}"], arrays[f"enc{i}"], arrays[f"spikes{i}"] = x, np.array(e), spikes
        arrays[f"scale{i}"] = np.float32(scale)
    assert pos == len(data)
    np.savez_compressed(HERE / "swift_encoder_fixture.npz", count=len(cases), **arrays)
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
