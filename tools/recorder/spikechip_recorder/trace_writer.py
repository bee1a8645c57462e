"""Streaming writer of SpikeChip trace files (docs/trace-format.md, version 1).

The file is written block by block and flushed after each block, so a recorder that is
killed leaves a file that the Swift reader accepts up to its last complete block (it then
reports the trace as truncated). Nothing is buffered across blocks; a 7B trace never has
to fit in memory.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Sequence

import numpy as np

MAGIC = b"SPKTRACE"
VERSION = 1
MAX_HEADER_BYTES = 16_777_216
MAX_INPUTS = 16_777_216
MAX_TIME_STEPS = 255

BLOCK_SPIKES = 0x01
BLOCK_FLOAT32 = 0x02
BLOCK_FLOAT16 = 0x03
BLOCK_END = 0x45

STAGE_KINDS = ("qkv", "o", "gate_up", "down", "lm_head")


class TraceFormatError(ValueError):
    """A header or block that docs/trace-format.md does not allow (a bug in the caller)."""


class NonFiniteActivationError(ValueError):
    """An activation that is NaN or infinite in the file's precision; replay could not encode it."""


@dataclass(frozen=True)
class Stage:
    """One entry of the header's `stages`: which crossbar input a block holds."""

    kind: str
    layer: int
    inputs: int

    def to_json(self) -> dict:
        return {"kind": self.kind, "layer": self.layer, "inputs": self.inputs}


def crc32(data: bytes) -> int:
    """CRC-32/ISO-HDLC, the zlib CRC the format uses."""
    return zlib.crc32(data) & 0xFFFFFFFF


def frame_block(kind: int, token: int, stage: int, payload: bytes) -> bytes:
    """A block with its 13-byte frame and trailing CRC, exactly as the format lays it out."""
    head = struct.pack("<BIII", kind, token, stage, len(payload))
    body = head + payload
    return body + struct.pack("<I", crc32(body))


def encode_header(header: dict) -> bytes:
    """Preamble, header JSON (sorted keys, compact) and header CRC."""
    text = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if not 2 <= len(text) <= MAX_HEADER_BYTES:
        raise TraceFormatError(f"header JSON is {len(text)} bytes; the format allows 2...{MAX_HEADER_BYTES}")
    pre = MAGIC + struct.pack("<HHI", VERSION, 0, len(text)) + text
    return pre + struct.pack("<I", crc32(pre))


def make_header(spec: dict, stages: Sequence[Stage], content: str, encoder: str, time_steps: int,
                tokens: int = 0, provenance: dict | None = None) -> dict:
    """The header object, checked against the ranges the Swift reader enforces."""
    if content not in ("spikes", "activations"):
        raise TraceFormatError(f"content '{content}' must be 'spikes' or 'activations'")
    if not stages:
        raise TraceFormatError("a trace needs at least one stage")
    for i, s in enumerate(stages):
        if s.kind not in STAGE_KINDS:
            raise TraceFormatError(f"stage {i} has kind '{s.kind}'; expected one of {', '.join(STAGE_KINDS)}")
        if not 1 <= s.inputs <= MAX_INPUTS:
            raise TraceFormatError(f"stage {i} has {s.inputs} inputs; expected 1...{MAX_INPUTS}")
        if s.layer < 0:
            raise TraceFormatError(f"stage {i} has layer {s.layer}; expected 0 or more")
    if not 1 <= time_steps <= MAX_TIME_STEPS:
        raise TraceFormatError(f"timeSteps {time_steps} outside 1...{MAX_TIME_STEPS}")
    return {"spec": spec, "stages": [s.to_json() for s in stages], "content": content,
            "encoder": encoder, "timeSteps": time_steps, "tokens": tokens,
            "provenance": provenance or {}}


class TraceWriter:
    """Appends data blocks in the order the format requires (token-major, stages in
    dataflow order) and closes the file with the end block.

    Use as a context manager; on an exception the end block is *not* written, so the file
    reads as truncated after its last complete block, which is the truth.
    """

    def __init__(self, stream: BinaryIO, header: dict):
        self._out = stream
        self._stages = [Stage(**s) for s in header["stages"]]
        self._content = header["content"]
        self._steps = header["timeSteps"]
        self._blocks = 0
        self._out.write(encode_header(header))
        self._out.flush()

    @classmethod
    def create(cls, path: str | os.PathLike, header: dict, overwrite: bool = False) -> "TraceWriter":
        """Opens `path` for writing; refuses an existing file unless `overwrite`."""
        stream = open(path, "wb" if overwrite else "xb")
        try:
            return cls(stream, header)
        except BaseException:
            stream.close()
            raise

    @property
    def blocks_written(self) -> int:
        return self._blocks

    @property
    def next_position(self) -> tuple[int, int]:
        """(token, stage index) the next data block must carry."""
        return divmod(self._blocks, len(self._stages))

    def _append(self, kind: int, payload: bytes) -> None:
        token, stage = self.next_position
        self._out.write(frame_block(kind, token, stage, payload))
        self._out.flush()
        self._blocks += 1

    def write_activations(self, values: np.ndarray, precision: str) -> None:
        """Writes the next block as float16 (type 3) or float32 (type 2) activations.

        float16 conversion is numpy's round-to-nearest-even, as the format specifies; a value
        that overflows float16 (|x| > 65504) is an error rather than a silent infinity.
        """
        if self._content != "activations":
            raise TraceFormatError("activation block in a spike trace")
        token, stage = self.next_position
        st = self._stages[stage]
        x = np.ascontiguousarray(values, dtype=np.float32).reshape(-1)
        if x.size != st.inputs:
            raise TraceFormatError(f"token {token} stage {stage} ({st.kind}, layer {st.layer}) has {x.size} values; "
                                   f"the header says {st.inputs}")
        if precision == "float16":
            with np.errstate(over="ignore"):  # reported below with the offending value
                data = x.astype("<f2")
            kind = BLOCK_FLOAT16
        elif precision == "float32":
            data = x.astype("<f4")
            kind = BLOCK_FLOAT32
        else:
            raise TraceFormatError(f"precision '{precision}' must be float16 or float32")
        if not np.isfinite(data).all():
            bad = int(np.flatnonzero(~np.isfinite(data))[0])
            hint = " (it overflows float16: record with --precision float32)" if np.isfinite(x[bad]) else ""
            raise NonFiniteActivationError(f"token {token}, layer {st.layer} {st.kind}: activation [{bad}] = {x[bad]!r} "
                             f"is not finite in {precision}{hint}")
        self._append(kind, data.tobytes())

    def write_spikes(self, payload: bytes) -> None:
        """Writes the next block as an already encoded spike payload (see `spike_payload`)."""
        if self._content != "spikes":
            raise TraceFormatError("spike block in an activation trace")
        token, stage = self.next_position
        n = self._stages[stage].inputs
        if not 1 <= len(payload) <= self._steps * (5 + 7 * n):
            raise TraceFormatError(f"spike payload of {len(payload)} bytes outside the format's bounds")
        self._append(BLOCK_SPIKES, payload)

    def finish(self) -> int:
        """Writes the end block (complete tokens, data blocks) and returns the token count."""
        tokens = self._blocks // len(self._stages)
        self._out.write(frame_block(BLOCK_END, tokens, 0, struct.pack("<Q", self._blocks)))
        self._out.flush()
        try:
            os.fsync(self._out.fileno())
        except (OSError, ValueError, AttributeError):
            pass  # not a real file (e.g. BytesIO in tests)
        return tokens

    def close(self) -> None:
        self._out.close()

    def __enter__(self) -> "TraceWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.finish()
        finally:
            self.close()


def varints(values: np.ndarray) -> bytes:
    """Unsigned LEB128 of every value (< 2^35), concatenated; vectorized for large spike sets."""
    v = np.asarray(values, dtype=np.uint64)
    if v.size == 0:
        return b""
    top = int(v.max())
    if top < 0x80:  # the common case for spike words: one byte each
        return v.astype(np.uint8).tobytes()
    if top >= 1 << 35:
        raise TraceFormatError("varint value beyond 2^35")
    shifts = np.arange(0, 35, 7, dtype=np.uint64)
    groups = (v[:, None] >> shifts) & np.uint64(0x7F)  # [N, 5], least significant group first
    nbytes = 1 + (v[:, None] >= (np.uint64(1) << shifts[1:])).sum(axis=1)
    j = np.arange(5)
    groups |= np.where(j < (nbytes - 1)[:, None], 0x80, 0).astype(np.uint64)
    return groups[j < nbytes[:, None]].astype(np.uint8).tobytes()


def spike_payload(spikes: np.ndarray) -> bytes:
    """Encodes a [T, n] matrix of signed amplitudes (|a| ≤ 127) as a spike block payload.

    All steps at once: the spikes in step-major order, each as a word (gap since the previous
    spike of its step, and a code), a zigzag amplitude after code-2 words, and each step's
    spike count in front of its words; then one vectorized varint pass.
    """
    s = np.asarray(spikes)
    if s.ndim != 2:
        raise TraceFormatError("spikes must be a [T, n] matrix")
    steps, n = s.shape
    flat = np.flatnonzero(s)
    step, neuron = flat // n, flat % n
    amp = s[step, neuron].astype(np.int64)
    if amp.size and np.abs(amp).max() > 127:
        raise TraceFormatError("spike amplitudes must lie in -127...127")
    prev = np.empty_like(neuron)
    prev[1:] = neuron[:-1]
    first = np.ones(neuron.size, dtype=bool)
    first[1:] = step[1:] != step[:-1]
    prev[first] = -1
    code = np.where(amp == 1, 0, np.where(amp == -1, 1, 2))
    words = ((neuron - prev - 1).astype(np.uint64) << np.uint64(2)) | code.astype(np.uint64)
    big = code == 2
    counts = np.bincount(step, minlength=steps)
    values_per_step = counts + np.bincount(step, weights=big, minlength=steps).astype(np.int64)
    seq = np.empty(steps + int(values_per_step.sum()), dtype=np.uint64)
    count_at = np.arange(steps) + np.concatenate(([0], np.cumsum(values_per_step)[:-1]))
    seq[count_at] = counts
    word_at = np.arange(neuron.size) + (np.cumsum(big) - big) + step + 1
    seq[word_at] = words
    if big.any():
        seq[word_at[big] + 1] = np.where(amp[big] >= 0, 2 * amp[big], -2 * amp[big] - 1).astype(np.uint64)
    return varints(seq)
