#if SPIKECHIP_AVX512
import _Builtin_intrinsics.intel
#endif

// Counting primitives of `SpikeStatistics` and the encoders: byte totals, active columns,
// range checks on the way through a loop. As in
// SIMDLanes.swift, AVX-512 takes the instructions through clang's intrinsics and every
// primitive has a portable body with the same results.

/// Whether every lane of the vectors `include`d lies within 0...`upper`, kept as one vector so
/// a loop checks its inputs on the way at a cost of an operation or two per 16 lanes.
///
/// AVX-512 keeps the unsigned maximum (`vpmaxud`: a negative lane is a huge unsigned one).
/// Elsewhere c | (upper − c) is negative exactly for a lane outside (c negative, upper − c
/// negative, or the difference wrapped), and those are ORed together.
struct RangeCheck {
    let upper: SIMD16<Int32>
    private var seen = SIMD16<Int32>.zero

    init(upper: Int32) { self.upper = SIMD16(repeating: upper) }

    @inline(__always)
    mutating func include(_ c: SIMD16<Int32>) {
        #if SPIKECHIP_AVX512
        seen = int32Lanes(_mm512_max_epu32(m512i(seen), m512i(c)))
        #else
        seen |= c | (upper &- c)
        #endif
    }

    var allWithin: Bool {
        #if SPIKECHIP_AVX512
        return unsafeBitCast(seen, to: SIMD16<UInt32>.self).max() <= UInt32(upper[0])
        #else
        return !any(seen .< .zero)
        #endif
    }
}

/// Σ|b| and the number of non-zero bytes b (spike amplitudes, each at least −127).
///
/// AVX-512: 64 bytes a step, `vpabsb` and `vpsadbw` sum magnitudes into 64-bit lanes and a
/// byte test counts the non-zero ones. Elsewhere eight bytes per 64-bit word (SWAR; the
/// compiler does not vectorize the byte-wise loop on its own): a byte b is non-zero iff
/// `((b & 0x7F) + 0x7F | b) & 0x80` is set, and |b| is `(b ^ m) + (m & 1)` with m = 0xFF
/// for negative bytes, which cannot carry into the next byte.
func byteTotals(_ bytes: UnsafeBufferPointer<Int8>) -> (magnitudes: Int, nonzero: Int) {
    var magnitudeSum = 0, nonzero = 0, i = 0
    if let base = bytes.baseAddress.map(UnsafeRawPointer.init) {
        #if SPIKECHIP_AVX512
        var sums = _mm512_setzero_si512()
        while i &+ 64 <= bytes.count {
            let v = _mm512_loadu_si512(base + i)
            sums = _mm512_add_epi64(sums, _mm512_sad_epu8(_mm512_abs_epi8(v), _mm512_setzero_si512()))
            nonzero &+= _mm512_test_epi8_mask(v, v).nonzeroBitCount
            i &+= 64
        }
        magnitudeSum = Int(_mm512_reduce_add_epi64(sums))
        #else
        let ones: UInt64 = 0x0101_0101_0101_0101, evenBytes: UInt64 = 0x00FF_00FF_00FF_00FF
        while i &+ 8 <= bytes.count {
            let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let sign = (w >> 7) & ones
            let magnitude = (w ^ (sign &* 0xFF)) &+ sign
            let pairs = (magnitude & evenBytes) &+ ((magnitude >> 8) & evenBytes)
            magnitudeSum &+= Int((pairs &* 0x0001_0001_0001_0001) >> 48)
            nonzero &+= nonzeroBytes(w)
            i &+= 8
        }
        #endif
    }
    for b in bytes[i...] {
        magnitudeSum &+= Int(b.magnitude)
        nonzero &+= b != 0 ? 1 : 0
    }
    return (magnitudeSum, nonzero)
}

/// How many of the `columns` columns of a row-major table of `rows` rows hold a non-zero byte
/// in some row (the neurons that fired at any step): the rows of a stretch of columns are
/// ORed, then its non-zero bytes counted as in `byteTotals`.
func activeColumns(_ table: UnsafeBufferPointer<Int8>, rows: Int, columns n: Int) -> Int {
    precondition(table.count >= rows * n, "a table of \(rows) × \(n) bytes")
    var active = 0, k = 0
    if let base = table.baseAddress.map(UnsafeRawPointer.init) {
        #if SPIKECHIP_AVX512
        while k &+ 64 <= n {
            var any = _mm512_setzero_si512()
            for t in 0..<rows { any = _mm512_or_si512(any, _mm512_loadu_si512(base + (t &* n &+ k))) }
            active &+= _mm512_test_epi8_mask(any, any).nonzeroBitCount
            k &+= 64
        }
        #else
        while k &+ 8 <= n {
            var any: UInt64 = 0
            for t in 0..<rows { any |= base.loadUnaligned(fromByteOffset: t &* n &+ k, as: UInt64.self) }
            active &+= nonzeroBytes(any)
            k &+= 8
        }
        #endif
    }
    for i in k..<n {
        var any: Int8 = 0
        for t in 0..<rows { any |= table[t * n + i] }
        active &+= any != 0 ? 1 : 0
    }
    return active
}

#if !SPIKECHIP_AVX512
/// The non-zero bytes of a 64-bit word.
@inline(__always) private func nonzeroBytes(_ w: UInt64) -> Int {
    let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F, high: UInt64 = 0x8080_8080_8080_8080
    return ((((w & low7) &+ low7) | w) & high).nonzeroBitCount
}
#endif
