"""The Python SpikingBrain encoder: hand-computed trains, and bit-identity with Swift."""

from pathlib import Path

import numpy as np
import pytest

from spikechip_recorder.spike_encoder import EncoderConfigError, SpikingBrainConfig

FIXTURE = Path(__file__).resolve().parent / "data" / "swift_encoder_fixture.npz"


def test_bitwise_train_computed_by_hand():
    # k = 3 and mean |x| = 3 make V_th = 1 exactly, so counts are the rounded values.
    x = np.array([2.5, 0.5, -1.5, 3.5, 0, 0, -7, 9], np.float32)  # mean |x| = 24 / 8 = 3
    enc = SpikingBrainConfig.parse("spikingbrain:k=3,T=4,coding=bitwise")
    counts, vth, offset = enc.counts(x)
    assert vth == 1 and offset == 0
    assert counts.tolist() == [2, 0, -2, 4, 0, 0, -7, 9]  # ties to even: 2.5->2, 0.5->0, -1.5->-2, 3.5->4
    spikes = enc.spikes(x)  # bit 3..0 of |c|, MSB first, with the count's sign
    assert spikes.tolist() == [[0, 0, 0, 0, 0, 0, 0, 1],
                               [0, 0, 0, 1, 0, 0, -1, 0],
                               [1, 0, -1, 0, 0, 0, -1, 0],
                               [0, 0, 0, 0, 0, 0, -1, 1]]


def test_floor_ternary_clips_and_rounds_toward_zero():
    x = np.array([2.5, 0.5, -1.5, 3.5, 0, 0, -7, 9], np.float32)
    enc = SpikingBrainConfig.parse("spikingbrain:alpha=0.3333333,rounding=floor,T=3,coding=ternary")
    counts, vth, _ = enc.counts(x)
    assert vth == np.float32(np.float32(0.3333333) * np.float32(3))
    assert counts.tolist() == [2, 0, -1, 3, 0, 0, -3, 3]  # 3.5/0.99999 -> 3, 9 clipped to T = 3
    assert enc.spikes(x).tolist() == [[1, 0, -1, 1, 0, 0, -1, 1], [1, 0, 0, 1, 0, 0, -1, 1], [0, 0, 0, 1, 0, 0, -1, 1]]


def test_binary_uses_a_zero_point_and_zero_vectors_stay_silent():
    enc = SpikingBrainConfig.parse("spikingbrain:k=1,T=8,coding=binary")
    x = np.array([-1, 0, 1, 2], np.float32)  # mean 1, V_th 1, offset -1
    counts, _, offset = enc.counts(x)
    assert offset == -1 and counts.tolist() == [0, 1, 2, 3]
    assert not enc.spikes(np.zeros(40, np.float32)).any()


@pytest.mark.parametrize("text, message", [
    ("sdllm:bits=4", "only the spikingbrain encoder"),
    ("spikingbrain:k=3,T=21,adaptive_T=true", "one T per file"),
    ("spikingbrain:alpha=0.3,target_rate=0.2", "adapt"),
    ("spikingbrain:k=3,alpha=0.3", "not both"),
    ("spikingbrain:k=3,T=22,coding=bitwise", "1...21"),
    ("spikingbrain:k=3,T=1,coding=bitwise2c", "2...21"),
    ("spikingbrain:k=3,codng=bitwise", "unknown spikingbrain parameter"),
    ("spikingbrain:k=3,coding=multilevel", "expected one of"),
])
def test_unusable_encoder_strings_are_refused(text, message):
    with pytest.raises(EncoderConfigError, match=message):
        SpikingBrainConfig.parse(text)


def test_bit_identical_to_swift_spikingbrain_encoder():
    """Swift's ConfiguredEncoder output (data/make_swift_encoder_fixture.py) on synthetic and
    real SmolLM2 activations, eight encoder settings: thresholds and every spike must match."""
    data = np.load(FIXTURE)
    count = int(data["count"])
    assert count >= 200
    mismatches = []
    for i in range(count):
        enc = SpikingBrainConfig.parse(str(data[f"enc{i}"]))
        x = data[f"x{i}"]
        _, vth, _ = enc.counts(x)
        if vth != data[f"scale{i}"] or not np.array_equal(enc.spikes(x), data[f"spikes{i}"]):
            mismatches.append((str(data[f"enc{i}"]), x.size))
    assert not mismatches, f"{len(mismatches)} of {count} cases differ from Swift, e.g. {mismatches[:3]}"
