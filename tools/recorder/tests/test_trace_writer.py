"""The writer against the byte examples of docs/trace-format.md and an independent reader."""

import io
import struct

import numpy as np
import pytest

from minimal_reader import decode_spikes, read_trace
from spikechip_recorder.trace_writer import (Stage, TraceFormatError, TraceWriter, frame_block, make_header,
                                             spike_payload, varints)

SPEC = {"name": "tiny", "architecture": "llama", "layers": 1, "hidden": 8, "ffn": 12, "heads": 2, "kvHeads": 1,
        "vocabulary": 50, "contextLength": 64, "tiedEmbeddings": False, "attention": ["full"], "slidingWindow": 4096}
STAGES = [Stage("qkv", 0, 8), Stage("o", 0, 8), Stage("gate_up", 0, 8), Stage("down", 0, 12), Stage("lm_head", 1, 8)]


def test_worked_example_block_matches_the_document():
    spikes = np.zeros((2, 10), dtype=np.int8)
    spikes[0, 3], spikes[0, 4], spikes[0, 9] = 1, -1, 3
    block = frame_block(0x01, 0, 0, spike_payload(spikes))
    assert block.hex(" ") == "01 00 00 00 00 00 00 00 00 06 00 00 00 03 0c 01 12 06 00 22 11 d4 b2"


def test_end_block_matches_the_document():
    out = io.BytesIO()
    header = make_header(SPEC, [Stage("qkv", 0, 8)], "activations", "spikingbrain:k=3,T=8", 8)
    w = TraceWriter(out, header)
    w.write_activations(np.arange(8, dtype=np.float32), "float32")
    assert w.finish() == 1
    assert out.getvalue()[-25:].hex(" ") == "45 01 00 00 00 00 00 00 00 08 00 00 00 01 00 00 00 00 00 00 00 79 42 07 97"


def scalar_varint(v: int) -> bytes:
    out = bytearray()
    while v >= 0x80:
        out.append(v & 0x7F | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def test_vectorized_varints_equal_the_scalar_rule():
    rng = np.random.default_rng(7)
    edges = [0, 1, 127, 128, 16383, 16384, (1 << 21) - 1, 1 << 21, (1 << 28) - 1, 1 << 28, (1 << 35) - 1]
    values = np.concatenate([edges, rng.integers(0, 1 << 35, 500), rng.integers(0, 300, 500)]).astype(np.uint64)
    assert varints(values) == b"".join(scalar_varint(int(v)) for v in values)
    with pytest.raises(TraceFormatError):
        varints(np.array([1 << 35], dtype=np.uint64))


def test_zigzag_amplitudes_of_the_document():
    # One step, neurons 0..3 with amplitudes 3, -3, 127, -127: every word has code 2.
    payload = spike_payload(np.array([[3, -3, 127, -127]], dtype=np.int8))
    assert payload == bytes([4, 0x02, 6, 0x02, 5, 0x02, 254, 1, 0x02, 253, 1])


def test_random_spike_matrices_round_trip_through_the_independent_decoder():
    rng = np.random.default_rng(2026)
    for _ in range(50):
        steps, n = int(rng.integers(1, 9)), int(rng.integers(1, 400))
        s = rng.integers(-127, 128, size=(steps, n))
        s[rng.random((steps, n)) < 0.8] = 0
        s[rng.random((steps, n)) < 0.1] = rng.choice([-1, 1])
        payload = spike_payload(s.astype(np.int8))
        assert decode_spikes(payload, steps, n) == s.tolist()


def header(content="activations"):
    return make_header(SPEC, STAGES, content, "spikingbrain:k=3,T=4,coding=ternary", 4, provenance={"test": True})


def test_file_is_readable_after_every_block_and_complete_after_finish(tmp_path):
    path = tmp_path / "t.trace"
    rng = np.random.default_rng(1)
    written = []
    with TraceWriter.create(path, header()) as w:
        for i in range(2 * len(STAGES) + 2):  # two tokens and a partial third
            x = rng.standard_normal(STAGES[i % len(STAGES)].inputs).astype(np.float32)
            w.write_activations(x, "float16" if i % 2 else "float32")
            written.append(x)
            seen = read_trace(path.read_bytes())  # what a reader sees if the recorder dies now
            assert len(seen.blocks) == i + 1 and seen.end is None and seen.truncated_at == path.stat().st_size
    done = read_trace(path.read_bytes())
    assert done.end == (2, 12) and done.header["provenance"] == {"test": True}
    for i, (kind, token, stage, payload) in enumerate(done.blocks):
        assert (token, stage) == divmod(i, len(STAGES))
        if i % 2:
            assert kind == 3 and np.array_equal(np.frombuffer(payload, "<f2"), written[i].astype(np.float16))
        else:
            assert kind == 2 and np.array_equal(np.frombuffer(payload, "<f4"), written[i])


def test_truncation_at_every_offset_keeps_the_complete_blocks(tmp_path):
    path = tmp_path / "t.trace"
    with TraceWriter.create(path, header("spikes")) as w:
        for i in range(len(STAGES) + 1):
            n = STAGES[i % len(STAGES)].inputs
            w.write_spikes(spike_payload(np.eye(4, n, k=i % 3, dtype=np.int8)))
    data = path.read_bytes()
    full = read_trace(data)
    ends = []  # byte offset after each data block
    pos = first = 16 + struct.unpack_from("<I", data, 12)[0] + 4
    for _, _, _, payload in full.blocks:
        pos += 13 + len(payload) + 4
        ends.append(pos)
    for cut in range(first, len(data)):
        seen = read_trace(data[:cut])
        assert len(seen.blocks) == sum(e <= cut for e in ends)
        assert seen.end is None


def test_writer_rejects_bad_blocks_and_existing_files(tmp_path):
    path = tmp_path / "t.trace"
    w = TraceWriter.create(path, header())
    with pytest.raises(TraceFormatError, match="has 7 values; the header says 8"):
        w.write_activations(np.zeros(7, np.float32), "float16")
    with pytest.raises(ValueError, match="overflows float16"):
        w.write_activations(np.full(8, 70000, np.float32), "float16")
    with pytest.raises(TraceFormatError, match="spike block in an activation trace"):
        w.write_spikes(b"\x00")
    w.close()
    with pytest.raises(FileExistsError):
        TraceWriter.create(path, header())
    with pytest.raises(TraceFormatError, match="kind 'output'"):
        make_header(SPEC, [Stage("output", 0, 8)], "spikes", "x", 4)
