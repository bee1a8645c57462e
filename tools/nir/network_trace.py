"""Reads a SpikeChip network trace (docs/trace-format.md, version 2) into numpy arrays, with
struct, zlib and numpy only, so that a run of `spikechip network --trace` can be analysed in Python.

    from network_trace import read_network_trace
    t = read_network_trace("run.trace")
    t.spikes["lif1"]      # bool array [steps, neurons]
    t.membranes["lif1"]   # float64 array [steps, neurons] (populations given to --record)

Every checksum, the block order and the end block are checked; a trace whose writer did not finish
gives its complete steps, with `truncated_at` set to the byte where the incomplete data starts.
"""

import json
import struct
import zlib
from dataclasses import dataclass, field

import numpy as np


class BadTrace(ValueError):
    pass


@dataclass
class NetworkTrace:
    header: dict
    steps: int
    spikes: dict = field(default_factory=dict)     # population -> bool [steps, neurons]
    membranes: dict = field(default_factory=dict)  # population -> float64 [steps, neurons]
    truncated_at: int | None = None


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    for i in range(5):
        if pos + i >= len(data):
            raise BadTrace("varint runs past the payload")
        b = data[pos + i]
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, pos + i + 1
    raise BadTrace("varint longer than 5 bytes")


def _spikes(payload: bytes, n: int) -> list[int]:
    """The neurons of a one-step spike payload (network traces have T = 1)."""
    count, pos = _varint(payload, 0)
    neurons, prev = [], -1
    for _ in range(count):
        word, pos = _varint(payload, pos)
        code = word & 3
        if code == 3:
            raise BadTrace("spike code 3")
        if code == 2:
            _, pos = _varint(payload, pos)  # amplitude: any non-zero value is a spike
        prev += (word >> 2) + 1
        if prev >= n:
            raise BadTrace(f"neuron {prev} outside the stream's {n}")
        neurons.append(prev)
    if pos != len(payload):
        raise BadTrace("spike payload does not end after its step")
    return neurons


def read_network_trace(path: str) -> NetworkTrace:
    data = open(path, "rb").read()
    if data[:8] != b"SPKTRACE":
        raise BadTrace("not a SpikeChip trace")
    version, reserved, hlen = struct.unpack_from("<HHI", data, 8)
    if version != 2 or reserved != 0:
        raise BadTrace(f"version {version}: network traces are version 2")
    end_header = 16 + hlen
    if zlib.crc32(data[:end_header]) & 0xFFFFFFFF != struct.unpack_from("<I", data, end_header)[0]:
        raise BadTrace("header checksum mismatch")
    header = json.loads(data[16:end_header].decode("utf-8"))
    if header.get("content") != "network":
        raise BadTrace(f"content {header.get('content')!r}, not a network trace")
    streams = header["streams"]
    rows = [[] for _ in streams]   # per stream, per step: neurons or membrane values
    pos, blocks, truncated = end_header + 4, 0, None
    while True:
        if pos + 13 > len(data):
            truncated = pos
            break
        kind, token, stage, length = struct.unpack_from("<BIII", data, pos)
        if pos + 17 + length > len(data):
            truncated = pos
            break
        body = data[pos:pos + 13 + length]
        if zlib.crc32(body) & 0xFFFFFFFF != struct.unpack_from("<I", data, pos + 13 + length)[0]:
            raise BadTrace(f"checksum mismatch in the block at byte {pos}")
        payload = body[13:]
        if kind == 0x45:
            (count,) = struct.unpack("<Q", payload)
            if count != blocks or token != blocks // len(streams) or pos + 25 != len(data):
                raise BadTrace(f"end block counts {count} blocks and {token} steps; {blocks} blocks were read")
            break
        if (token, stage) != divmod(blocks, len(streams)):
            raise BadTrace(f"block {blocks} holds step {token} stream {stage}")
        s = streams[stage]
        if s["record"] == "spikes" and kind == 0x01:
            rows[stage].append(_spikes(payload, s["neurons"]))
        elif s["record"] == "membranes" and kind == 0x04 and length == 8 * s["neurons"]:
            rows[stage].append(np.frombuffer(payload, dtype="<f8"))
        else:
            raise BadTrace(f"block type {kind} of {length} bytes where {s['population']} {s['record']} belong")
        blocks += 1
        pos += 17 + length
    steps = blocks // len(streams)
    trace = NetworkTrace(header=header, steps=steps, truncated_at=truncated)
    for s, r in zip(streams, rows):
        if s["record"] == "spikes":
            a = np.zeros((steps, s["neurons"]), dtype=bool)
            for t, neurons in enumerate(r[:steps]):
                a[t, neurons] = True
            trace.spikes[s["population"]] = a
        else:
            trace.membranes[s["population"]] = np.array(r[:steps]).reshape(steps, s["neurons"])
    return trace
