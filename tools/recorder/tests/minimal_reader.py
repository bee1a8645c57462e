"""An independent reader of SpikeChip traces for the tests, written from docs/trace-format.md
with struct/zlib only (it shares no code with spikechip_recorder)."""

import json
import struct
import zlib
from dataclasses import dataclass, field


class BadTrace(Exception):
    pass


@dataclass
class Trace:
    header: dict
    blocks: list = field(default_factory=list)  # (type, token, stage, payload bytes)
    end: tuple | None = None  # (tokens, blocks) from the end block, None when truncated
    truncated_at: int | None = None  # byte offset where incomplete data starts


def read_trace(data: bytes) -> Trace:
    if data[:8] != b"SPKTRACE":
        raise BadTrace("bad magic")
    version, reserved, hlen = struct.unpack_from("<HHI", data, 8)
    if version != 1 or reserved != 0:
        raise BadTrace(f"version {version} reserved {reserved}")
    end_header = 16 + hlen
    (crc,) = struct.unpack_from("<I", data, end_header)
    if zlib.crc32(data[:end_header]) & 0xFFFFFFFF != crc:
        raise BadTrace("header CRC mismatch")
    trace = Trace(header=json.loads(data[16:end_header].decode("utf-8")))
    stages = trace.header["stages"]
    pos = end_header + 4
    while pos < len(data):
        if pos + 13 > len(data):
            trace.truncated_at = pos
            return trace
        kind, token, stage, length = struct.unpack_from("<BIII", data, pos)
        if pos + 13 + length + 4 > len(data):
            trace.truncated_at = pos
            return trace
        body = data[pos:pos + 13 + length]
        (crc,) = struct.unpack_from("<I", data, pos + 13 + length)
        if zlib.crc32(body) & 0xFFFFFFFF != crc:
            raise BadTrace(f"block CRC mismatch at offset {pos}")
        payload = body[13:]
        if kind == 0x45:
            if pos + 25 != len(data) or length != 8:
                raise BadTrace("end block is not the last 25 bytes")
            (count,) = struct.unpack("<Q", payload)
            if count != len(trace.blocks) or not token * len(stages) <= count < (token + 1) * len(stages):
                raise BadTrace(f"end block says {token} tokens / {count} blocks, read {len(trace.blocks)}")
            trace.end = (token, count)
            return trace
        i = len(trace.blocks)
        if (token, stage) != divmod(i, len(stages)):
            raise BadTrace(f"block {i} carries token {token} stage {stage}")
        n = stages[stage]["inputs"]
        expected = {0x02: 4 * n, 0x03: 2 * n}.get(kind)
        if kind == 0x01:
            if not 1 <= length <= trace.header["timeSteps"] * (5 + 7 * n):
                raise BadTrace("spike block length out of bounds")
        elif expected is None or length != expected:
            raise BadTrace(f"block {i}: type {kind} with {length} bytes for {n} inputs")
        trace.blocks.append((kind, token, stage, payload))
        pos += 13 + length + 4
    trace.truncated_at = pos
    return trace


def _varint(buf: bytes, pos: int):
    value = shift = 0
    for k in range(5):
        b = buf[pos + k]
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            if k > 0 and b == 0:
                raise BadTrace("non-canonical varint")
            return value, pos + k + 1
    raise BadTrace("varint longer than 5 bytes")


def decode_spikes(payload: bytes, steps: int, n: int):
    """[steps][n] list of lists of amplitudes."""
    out = [[0] * n for _ in range(steps)]
    pos = 0
    for t in range(steps):
        count, pos = _varint(payload, pos)
        prev = -1
        for _ in range(count):
            word, pos = _varint(payload, pos)
            i = prev + 1 + (word >> 2)
            code = word & 3
            if code == 0:
                a = 1
            elif code == 1:
                a = -1
            elif code == 2:
                z, pos = _varint(payload, pos)
                a = z >> 1 if z % 2 == 0 else -((z + 1) >> 1)
                if abs(a) < 2 or abs(a) > 127:
                    raise BadTrace("code 2 with amplitude ±1 or beyond 127")
            else:
                raise BadTrace("code 3")
            if i >= n:
                raise BadTrace("neuron index beyond the stage width")
            out[t][i] = a
            prev = i
    if pos != len(payload):
        raise BadTrace("spike payload has trailing bytes")
    return out
