"""SpikingBrain's adaptive-threshold encoder, bit for bit as Swift's `SpikingBrainEncoder`.

Sources/Neurons/SpikingBrainEncoder.swift, SpikeCoding.swift and SpikeEncoder.swift define the
arithmetic this module repeats in float32 numpy, including the order of the |x| sum (four
eight-lane accumulators over the first n & ~31 values, combined pairwise, lanes added in order,
then the tail), so that a spike
trace recorded here replays exactly as if Swift had encoded the activations itself.

Supported: `spikingbrain` with `k` or `alpha`/`v_rest`/`i_rest`, `rounding`, `coding` in
binary, ternary, bitwise, bitwise2c, and a fixed `T`. Not supported (a trace has one T per
file and no encoder state): `adaptive_T=true` and `target_rate`/`gain`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .trace_writer import NonFiniteActivationError

F32 = np.float32
_LIMIT = F32(4_194_304.0)  # 2^22, the pre-clamp every count goes through
_VTH_LOW = F32(1e-5)
_VTH_HIGH = F32(1e4)
_CODINGS = ("binary", "ternary", "bitwise", "bitwise2c")


class EncoderConfigError(ValueError):
    """An encoder string the recorder cannot turn into spikes."""


@dataclass(frozen=True)
class SpikingBrainConfig:
    k: float | None = 3.0
    alpha: float | None = None
    v_rest: float = 0.0
    i_rest: float = 0.0
    nearest: bool = True
    coding: str = "bitwise"
    steps: int = 8

    @classmethod
    def parse(cls, text: str) -> "SpikingBrainConfig":
        """Parses `spikingbrain:key=value,...` with Swift's `ConfiguredEncoder` defaults."""
        name, _, rest = text.partition(":")
        if name.strip().lower() != "spikingbrain":
            raise EncoderConfigError(f"spike recording supports only the spikingbrain encoder, not '{name}' "
                                     f"(record activations and let `spikechip replay` encode them)")
        params: dict[str, str] = {}
        for item in filter(None, (p.strip() for p in rest.split(","))):
            key, eq, value = item.partition("=")
            if not eq:
                raise EncoderConfigError(f"encoder parameter '{item}' is not key=value")
            params[key.strip()] = value.strip()
        allowed = {"k", "alpha", "v_rest", "i_rest", "rounding", "coding", "T", "adaptive_T", "target_rate", "gain"}
        unknown = sorted(set(params) - allowed)
        if unknown:
            raise EncoderConfigError(f"unknown spikingbrain parameter(s) {', '.join(unknown)}; "
                                     f"allowed: {', '.join(sorted(allowed))}")
        if params.get("adaptive_T", "false").lower() not in ("false", "0"):
            raise EncoderConfigError("adaptive_T=true gives every vector its own T, but a trace has one T per file; "
                                     "use a fixed T (e.g. T=12) or record activations")
        if "target_rate" in params or "gain" in params:
            raise EncoderConfigError("target_rate/gain adapt α during a run; record activations and replay instead")

        def number(key: str) -> float | None:
            if key not in params:
                return None
            try:
                v = float(params[key])
            except ValueError:
                raise EncoderConfigError(f"{key}={params[key]} is not a number") from None
            if not np.isfinite(v):
                raise EncoderConfigError(f"{key}={params[key]} must be finite")
            return v

        k, alpha = number("k"), number("alpha")
        if alpha is not None:
            if k is not None:
                raise EncoderConfigError("give k or alpha, not both (α = 1/k)")
            if not 0 < alpha <= 10:
                raise EncoderConfigError(f"alpha={alpha} outside 0 < α ≤ 10")
        else:
            k = 3.0 if k is None else k
            if not 0 < k <= 1000:
                raise EncoderConfigError(f"k={k} outside 0 < k ≤ 1000")
            for key in ("v_rest", "i_rest"):
                if key in params:
                    raise EncoderConfigError(f"{key} only goes with alpha (the seed's threshold form)")
        rounding = params.get("rounding", "nearest").lower()
        if rounding not in ("nearest", "round", "floor", "towardzero"):
            raise EncoderConfigError(f"rounding={rounding}: expected nearest or floor")
        coding = params.get("coding", "bitwise").lower()
        if coding not in _CODINGS:
            raise EncoderConfigError(f"coding={coding}: expected one of {', '.join(_CODINGS)}")
        try:
            steps = int(params.get("T", "8"))
        except ValueError:
            raise EncoderConfigError(f"T={params['T']} is not an integer") from None
        low = 2 if coding == "bitwise2c" else 1
        high = 21 if coding.startswith("bitwise") else 64
        if not low <= steps <= high:
            raise EncoderConfigError(f"T={steps} outside {low}...{high} for coding {coding}")
        return cls(k=None if alpha is not None else k, alpha=alpha, v_rest=number("v_rest") or 0.0,
                   i_rest=number("i_rest") or 0.0, nearest=rounding in ("nearest", "round"),
                   coding=coding, steps=steps)

    def count_range(self) -> tuple[int, int]:
        t = self.steps
        if self.coding == "binary":
            return 0, t
        if self.coding == "ternary":
            return -t, t
        if self.coding == "bitwise":
            return -((1 << t) - 1), (1 << t) - 1
        return -(1 << (t - 1)), (1 << (t - 1)) - 1

    def threshold(self, x: np.ndarray) -> np.float32:
        """V_th for one vector, from Swift's lane-ordered float32 sum of |x|."""
        n = x.size
        whole = n & ~31
        a = np.abs(x)
        # Swift's four 8-lane accumulators: lane j of accumulator k sums a[32i + 8k + j] in order.
        acc = np.cumsum(a[:whole].reshape(-1, 32), axis=0, dtype=F32)[-1] if whole else np.zeros(32, F32)
        s = acc.reshape(4, 8)
        lanes = (s[0] + s[1]) + (s[2] + s[3])  # float32 throughout, as in Swift
        total = F32(-0.0)
        for lane in lanes:  # SIMD8.sum(): -0 then lane 0...7 in order
            total = F32(total + lane)
        for v in a[whole:]:
            total = F32(total + v)
        if not np.isfinite(total):
            raise NonFiniteActivationError("activations are not finite (or their |x| sum overflows float32); "
                                           "check the model's dtype (--dtype float32)")
        mean = F32(total / F32(n)) if n else F32(0)
        if self.alpha is None:
            raw = F32(mean / F32(self.k))
        else:
            raw = F32(F32(self.v_rest) + F32(F32(self.alpha) * F32(mean - F32(self.i_rest))))
        return F32(min(max(raw, _VTH_LOW), _VTH_HIGH))

    def _round(self, q: np.ndarray) -> np.ndarray:
        return (np.rint(q) if self.nearest else np.trunc(q)).astype(np.int64)

    def counts(self, x: np.ndarray) -> tuple[np.ndarray, np.float32, int]:
        """(counts after the zero point, V_th, zero point) of one float32 vector."""
        x = np.ascontiguousarray(x, dtype=F32).reshape(-1)
        vth = self.threshold(x)
        q = np.clip(x / vth, -_LIMIT, _LIMIT)
        r = self._round(q)
        offset = 0
        if self.coding == "binary":
            offset = min(0, int(self._round(np.clip(F32(x.min()) / vth, -_LIMIT, _LIMIT))))
        lo, hi = self.count_range()
        c = np.clip(r, lo + offset, hi + offset) - offset
        return c.astype(np.int32), vth, offset

    def spikes(self, x: np.ndarray) -> np.ndarray:
        """The [T, n] int8 spike amplitudes Swift's `SpikeTrain.spikes` holds (step-major)."""
        c, _, _ = self.counts(x)
        t = np.arange(self.steps, dtype=np.int32)[:, None]
        if self.coding in ("binary", "ternary"):
            s = (c > t).astype(np.int8) - (c < -t).astype(np.int8)
        elif self.coding == "bitwise":
            bits = ((np.abs(c) >> (self.steps - 1 - t)) & 1).astype(np.int8)
            s = np.where(c < 0, -bits, bits)
        else:
            s = (c >> (self.steps - 1 - t)) & 1
        return s.astype(np.int8)
