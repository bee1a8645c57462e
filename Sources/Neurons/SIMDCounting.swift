#if SPIKECHIP_AVX512
import _Builtin_intrinsics.intel
#endif

// Counting and summing primitives of the populations and of `SpikeStatistics`: sums of byte
// lanes, narrowing with saturation, range checks on the way through a loop. As in
// SIMDLanes.swift, AVX-512 takes the instructions through clang's intrinsics and every
// primitive has a portable body with the same results.

/// Per 32-bit lane, the sum of its four byte products `counts` × `weights` (unsigned counts,
/// signed weights, each product and pair of products within ±2^15): `vpmaddubsw` and
/// `vpmaddwd` with AVX-512.
@inline(__always)
func signedSums(_ counts: SIMD32<UInt8>, _ weights: SIMD32<Int8>) -> SIMD8<Int32> {
    #if SPIKECHIP_AVX512
    let pairs = _mm256_maddubs_epi16(unsafeBitCast(counts, to: __m256i.self), unsafeBitCast(weights, to: __m256i.self))
    return unsafeBitCast(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)), to: SIMD8<Int32>.self)
    #else
    let c = unsafeBitCast(counts, to: SIMD8<Int32>.self), w = unsafeBitCast(weights, to: SIMD8<Int32>.self)
    var sum = SIMD8<Int32>.zero
    for byte: Int32 in 0..<4 {
        let count = (c &>> (8 &* byte)) & SIMD8(repeating: 0xFF)
        let weight = (w &<< (24 &- 8 &* byte)) &>> 24  // the signed byte, sign-extended
        sum &+= count &* weight
    }
    return sum
    #endif
}

/// Each lane as an unsigned byte, saturated: 0…255 kept, anything larger (or negative) 255.
@inline(__always)
func saturatedBytes(_ v: SIMD16<Int32>) -> SIMD16<UInt8> {
    #if SPIKECHIP_AVX512
    return unsafeBitCast(_mm512_cvtusepi32_epi8(m512i(v)), to: SIMD16<UInt8>.self)
    #else
    let top = SIMD16<Int32>(repeating: 255)
    return SIMD16<UInt8>(truncatingIfNeeded: v.replacing(with: top, where: (v .< .zero) .| (v .> top)))
    #endif
}

/// The weights of `weightedSums` for 16 counts (both halves of a block's 32 use the same),
/// kept in the form the build multiplies with (narrowed once here rather than per call: the
/// standard library's narrowing conversion is a generic call).
struct LaneWeights {
    #if SPIKECHIP_AVX512
    fileprivate let narrow: __m512i  // the 16 as 16-bit lanes, twice
    #else
    fileprivate let wide: SIMD16<Int32>
    #endif

    init(_ w: SIMD16<Int32>) {
        #if SPIKECHIP_AVX512
        let half = unsafeBitCast(SIMD16<Int16>(truncatingIfNeeded: w), to: __m256i.self)
        narrow = unsafeBitCast((half, half), to: __m512i.self)
        #else
        wide = w
        #endif
    }
}

/// Σ_k counts[4j + k]·weights[4j + k] for each j of 8, the counts given as their halves `low`
/// (j < 4) and `high`, every count fitting 16 signed bits. AVX-512 narrows the counts to 16
/// bits and lets `vpmaddwd` multiply and add pairs, then adds the two pairs of each neuron in
/// its 64-bit lane; elsewhere four 32-bit products are added by two even/odd shuffles.
@inline(__always)
func weightedSums(_ low: SIMD16<Int32>, _ high: SIMD16<Int32>, _ weights: LaneWeights) -> SIMD8<Int32> {
    #if SPIKECHIP_AVX512
    let narrow = unsafeBitCast((_mm512_cvtepi32_epi16(m512i(low)), _mm512_cvtepi32_epi16(m512i(high))), to: __m512i.self)
    let pairs = unsafeBitCast(_mm512_madd_epi16(narrow, weights.narrow), to: SIMD8<UInt64>.self)
    let sums = pairs &+ (pairs &>> 32)  // the low 32 bits: a neuron's two pairs added
    return unsafeBitCast(_mm512_cvtepi64_epi32(unsafeBitCast(sums, to: __m512i.self)), to: SIMD8<Int32>.self)
    #else
    @inline(__always) func quads(_ c: SIMD16<Int32>) -> SIMD4<Int32> {
        let products = c &* weights.wide
        let pairs = products.evenHalf &+ products.oddHalf
        return pairs.evenHalf &+ pairs.oddHalf
    }
    return unsafeBitCast((quads(low), quads(high)), to: SIMD8<Int32>.self)
    #endif
}

/// a then b as one vector of twice the lanes: a bit cast of the pair, where the standard
/// library's `init(lowHalf:highHalf:)` is a generic call the inliner does not always take.
@inline(__always)
func joined(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> SIMD32<UInt8> { unsafeBitCast((a, b), to: SIMD32<UInt8>.self) }

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

/// 1 where `mask` is set and 0 elsewhere, one byte per lane. AVX-512 turns the mask register
/// into bytes (`vpmovm2b`), where the narrowing store it would otherwise take (`vpmovdb`) is
/// a slow multi-µop instruction on Zen 4.
@inline(__always)
func ones(_ mask: SIMDMask<SIMD8<Int32>>) -> SIMD8<Int8> {
    #if SPIKECHIP_AVX512
    let bytes = _mm_movm_epi8(UInt16(_mm256_movepi32_mask(unsafeBitCast(mask, to: __m256i.self))))
    return unsafeBitCast(_mm_sub_epi8(_mm_setzero_si128(), bytes), to: (SIMD8<Int8>, SIMD8<Int8>).self).0  // the low half
    #else
    return SIMD8<Int8>(truncatingIfNeeded: SIMD8<Int32>.zero &- lanes(mask))
    #endif
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

/// A subset of the 32 byte lanes of a vector. With AVX-512 it lives in a mask register:
/// compares write it, `kortest` tests it and masked compares narrow it, with no conversion to
/// a vector of 0/−1 bytes and back (which the standard library's `SIMDMask` costs on every
/// use). Elsewhere it is that vector.
struct ByteLanes {
    #if SPIKECHIP_AVX512
    fileprivate let bits: UInt32
    #else
    fileprivate let bytes: SIMD8<UInt32>  // 0xFF bytes where set
    #endif

    /// The lanes where a < b (unsigned).
    @inline(__always)
    init(_ a: SIMD32<UInt8>, below b: SIMD32<UInt8>) {
        #if SPIKECHIP_AVX512
        // b ⊖ a (saturating) ≠ 0 exactly when a < b; LLVM folds the pair into one `vpcmpub`
        // (the compare intrinsics are macros Swift cannot import).
        let d = _mm256_subs_epu8(unsafeBitCast(b, to: __m256i.self), unsafeBitCast(a, to: __m256i.self))
        bits = _mm256_test_epi8_mask(d, d)
        #else
        bytes = unsafeBitCast(a .< b, to: SIMD8<UInt32>.self)
        #endif
    }

    /// The lanes i where value i of the 32 values `low` then `high` equals `value`.
    @inline(__always)
    init(_ low: SIMD16<Int32>, _ high: SIMD16<Int32>, equalTo value: Int32) {
        let v = SIMD16<Int32>(repeating: value)
        #if SPIKECHIP_AVX512
        let l = m512i(low ^ v), h = m512i(high ^ v)
        bits = UInt32(_mm512_testn_epi32_mask(l, l)) | UInt32(_mm512_testn_epi32_mask(h, h)) << 16
        #else
        bytes = unsafeBitCast((narrowed(lanes(low .== v)), narrowed(lanes(high .== v))), to: SIMD8<UInt32>.self)
        #endif
    }

    @inline(__always)
    var isEmpty: Bool {
        #if SPIKECHIP_AVX512
        return bits == 0
        #else
        return !any(bytes .!= .zero)
        #endif
    }

    /// The lanes of `self` where a < b (unsigned).
    @inline(__always)
    func filter(_ a: SIMD32<UInt8>, below b: SIMD32<UInt8>) -> ByteLanes {
        #if SPIKECHIP_AVX512
        let d = _mm256_subs_epu8(unsafeBitCast(b, to: __m256i.self), unsafeBitCast(a, to: __m256i.self))
        return ByteLanes(bits: _mm256_mask_test_epi8_mask(bits, d, d))
        #else
        return ByteLanes(bytes: bytes & ByteLanes(a, below: b).bytes)
        #endif
    }

    #if SPIKECHIP_AVX512
    @inline(__always) private init(bits: UInt32) { self.bits = bits }
    #else
    @inline(__always) private init(bytes: SIMD8<UInt32>) { self.bytes = bytes }
    #endif
}

/// `tally` plus one in each byte lane of `lanes` (wrapping): one masked `vpaddb` with AVX-512.
///
/// `one` is a vector of ones that the caller keeps in a stored property rather than a literal:
/// LLVM rewrites a masked add of a known 1 into a mask-to-vector conversion and a subtraction,
/// two instructions instead of one. Portable builds subtract the lanes' 0xFF bytes instead.
@inline(__always)
func incremented(_ tally: SIMD32<UInt8>, in lanes: ByteLanes, one: SIMD32<UInt8>) -> SIMD32<UInt8> {
    #if SPIKECHIP_AVX512
    let t = unsafeBitCast(tally, to: __m256i.self)
    return unsafeBitCast(_mm256_mask_add_epi8(t, lanes.bits, t, unsafeBitCast(one, to: __m256i.self)), to: SIMD32<UInt8>.self)
    #else
    return tally &- unsafeBitCast(lanes.bytes, to: SIMD32<UInt8>.self)
    #endif
}
