"""The network trace SpikeChip writes for the ff fixture (Tests/NetworksTests/Fixtures/ff.trace, kept
byte-identical to a fresh `NetworkTrace.write` by the Swift tests), read with the independent reader
network_trace.py and checked against snnTorch's spikes and the input the run was given."""

import json
from pathlib import Path

import numpy as np
import pytest

from network_trace import BadTrace, read_network_trace

FIXTURES = Path(__file__).resolve().parents[3] / "Tests" / "NetworksTests" / "Fixtures"


def test_spikes_are_snntorchs_and_the_input():
    t = read_network_trace(str(FIXTURES / "ff.trace"))
    expected = json.loads((FIXTURES / "ff-expected.json").read_text())
    assert t.steps == expected["T"] == 50 and t.truncated_at is None
    for name, pop in expected["populations"].items():
        steps = [list(np.flatnonzero(t.spikes[name][:, i])) for i in range(t.spikes[name].shape[1])]
        assert steps == pop["spike_steps"], name
    inputs = np.load(FIXTURES / "ff-input.npy").reshape(50, -1) != 0
    assert np.array_equal(t.spikes["input"], inputs)
    assert list(t.membranes) == ["lif2"] and t.membranes["lif2"].shape == (50, 10)


def test_membranes_follow_the_spikes():
    """After a step that fires a neuron, its membrane was reset to 0 (reset to zero, as the fixture is exported)."""
    t = read_network_trace(str(FIXTURES / "ff.trace"))
    v, fired = t.membranes["lif2"], t.spikes["lif2"]
    assert fired.any() and np.all(v[fired] == 0.0)
    assert np.all(v[~fired] <= 1.0)  # lif2 fires when v > 1 (snnTorch's threshold), so never above it without a spike


def test_truncated_and_damaged(tmp_path):
    data = (FIXTURES / "ff.trace").read_bytes()
    cut = tmp_path / "cut.trace"
    cut.write_bytes(data[: len(data) // 2])
    t = read_network_trace(str(cut))
    assert t.truncated_at is not None and 0 < t.steps < 50
    full = read_network_trace(str(FIXTURES / "ff.trace"))
    assert np.array_equal(t.spikes["lif1"], full.spikes["lif1"][: t.steps])
    bad = bytearray(data)
    bad[-40] ^= 1
    (tmp_path / "bad.trace").write_bytes(bytes(bad))
    with pytest.raises(BadTrace, match="checksum"):
        read_network_trace(str(tmp_path / "bad.trace"))
