#if SPIKECHIP_AVX512
import _Builtin_intrinsics.intel
#endif

/// A mask as the integer lanes it is stored in: −1 where true, 0 where false. Adding these
/// counts lanes without the select a `replacing(with:where:)` would cost.
@inline(__always)
func lanes<Lanes: SIMD>(_ mask: SIMDMask<Lanes>) -> Lanes { unsafeBitCast(mask, to: Lanes.self) }

// The primitives below are the few operations the standard library's SIMD types cannot express
// as single instructions: float min/max (its `.<`-and-select form keeps NaN semantics LLVM may
// not drop), conversions to integers (lane-by-lane calls), and narrowing (a shuffle sequence).
// With AVX-512 (`SPIKECHIP_AVX512`, set by Package.swift when the building machine has it) each
// is one instruction through clang's intrinsics; elsewhere the portable formulas give the same
// results for the inputs the encoders pass (finite, |v| < 2^22).

/// v clamped to [lo, hi] lane-wise (v finite).
@inline(__always)
func clamp(_ v: SIMD16<Float>, _ lo: SIMD16<Float>, _ hi: SIMD16<Float>) -> SIMD16<Float> {
    #if SPIKECHIP_AVX512
    return _mm512_min_ps(_mm512_max_ps(v, lo), hi)
    #else
    return v.replacing(with: lo, where: v .< lo).replacing(with: hi, where: v .> hi)
    #endif
}

/// v clamped to [lo, hi] lane-wise.
@inline(__always)
func clamp(_ v: SIMD16<Int32>, _ lo: SIMD16<Int32>, _ hi: SIMD16<Int32>) -> SIMD16<Int32> {
    #if SPIKECHIP_AVX512
    return int32Lanes(_mm512_min_epi32(_mm512_max_epi32(m512i(v), m512i(lo)), m512i(hi)))
    #else
    return v.replacing(with: lo, where: v .< lo).replacing(with: hi, where: v .> hi)
    #endif
}

/// The integers nearest to `q` (ties to even) or `q` truncated toward zero, for |q| < 2^22.
///
/// The portable form adds 1.5·2^23, which leaves the rounded integer in the low mantissa bits
/// (no libm call, cannot trap, vectorizes), and corrects it by one where truncation was asked
/// and it rounded away from zero. AVX-512 converts directly (`vcvtps2dq` under the default
/// round-to-nearest-even mode, `vcvttps2dq`).
@inline(__always)
func integers(_ q: SIMD16<Float>, nearest: Bool) -> SIMD16<Int32> {
    #if SPIKECHIP_AVX512
    return int32Lanes(nearest ? _mm512_cvtps_epi32(q) : _mm512_cvttps_epi32(q))
    #else
    let magic = SIMD16<Float>(repeating: 12_582_912)  // 1.5 · 2^23
    let shifted = q + magic
    var r = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
    if !nearest {
        let rounded = shifted - magic  // exact: the nearest integer as a Float
        let zero = SIMD16<Float>.zero
        r &+= lanes((rounded .> q) .& (q .> zero))  // rounded up a positive value: one less
        r &-= lanes((rounded .< q) .& (q .< zero))
    }
    return r
    #endif
}

/// |v| lane-wise: the sign bit cleared, one `and`.
@inline(__always)
func magnitudes(_ v: SIMD16<Float>) -> SIMD16<Float> {
    unsafeBitCast(unsafeBitCast(v, to: SIMD16<UInt32>.self) & SIMD16(repeating: 0x7FFF_FFFF), to: SIMD16<Float>.self)
}

/// |v| lane-wise for 8 lanes (`ActivationSummary`'s accumulators).
@usableFromInline @inline(__always)
func magnitudes(_ v: SIMD8<Float>) -> SIMD8<Float> {
    unsafeBitCast(unsafeBitCast(v, to: SIMD8<UInt32>.self) & SIMD8(repeating: 0x7FFF_FFFF), to: SIMD8<Float>.self)
}

/// |v| lane-wise (v > Int32.min).
@inline(__always)
func magnitudes(_ v: SIMD16<Int32>) -> SIMD16<Int32> {
    #if SPIKECHIP_AVX512
    return int32Lanes(_mm512_abs_epi32(m512i(v)))
    #else
    let m = v &>> 31
    return (v ^ m) &- m
    #endif
}

/// The low byte of each lane (values known to fit bytes).
@inline(__always)
func narrowed(_ v: SIMD16<Int32>) -> SIMD16<Int8> {
    #if SPIKECHIP_AVX512
    return unsafeBitCast(_mm512_cvtepi32_epi8(m512i(v)), to: SIMD16<Int8>.self)
    #else
    return SIMD16<Int8>(truncatingIfNeeded: v)
    #endif
}

#if SPIKECHIP_AVX512
@inline(__always) func m512i(_ v: SIMD16<Int32>) -> __m512i { unsafeBitCast(v, to: __m512i.self) }
@inline(__always) func int32Lanes(_ v: __m512i) -> SIMD16<Int32> { unsafeBitCast(v, to: SIMD16<Int32>.self) }
#endif

/// `v` as floats, exact for |v| < 2^22 (portable form: the 1.5·2^23 trick in reverse).
@inline(__always)
func floats(_ v: SIMD16<Int32>) -> SIMD16<Float> {
    #if SPIKECHIP_AVX512
    return _mm512_cvtepi32_ps(m512i(v))
    #else
    let magic = SIMD16<Float>(repeating: 12_582_912)
    return unsafeBitCast(v &+ unsafeBitCast(magic, to: SIMD16<Int32>.self), to: SIMD16<Float>.self) - magic
    #endif
}

/// Writes the lanes of `v` selected by `mask` contiguously from `p` and returns how many; up
/// to 16 values from `p` may be overwritten.
@inline(__always)
func storeCompressed(_ v: SIMD16<Float>, where mask: SIMDMask<SIMD16<Int32>>, to p: UnsafeMutablePointer<Float>) -> Int {
    #if SPIKECHIP_AVX512
    let k = _mm512_movepi32_mask(unsafeBitCast(mask, to: __m512i.self))
    UnsafeMutableRawPointer(p).storeBytes(of: _mm512_maskz_compress_ps(k, v), as: SIMD16<Float>.self)
    return k.nonzeroBitCount
    #else
    var count = 0
    for k in 0..<16 where mask[k] { p[count] = v[k]; count += 1 }
    return count
    #endif
}

/// 64 byte lanes, the stretch of one spike row an encoder writes at a time: one AVX-512
/// register, or four 16-byte vectors where the machine has no 64-byte ones. Only the
/// operations the step layouts need, each a single instruction with AVX-512 (the standard
/// library's `SIMD64` builds most of its results lane by lane).
struct Bytes64 {
    #if SPIKECHIP_AVX512
    var v: __m512i
    #else
    var a: SIMD16<Int8>, b: SIMD16<Int8>, c: SIMD16<Int8>, d: SIMD16<Int8>
    #endif

    @inline(__always)
    init(repeating x: Int8) {
        #if SPIKECHIP_AVX512
        v = _mm512_set1_epi8(x)
        #else
        a = SIMD16(repeating: x); b = a; c = a; d = a
        #endif
    }

    /// The low bytes of 4 × 16 lanes.
    @inline(__always)
    init(narrowing c0: SIMD16<Int32>, _ c1: SIMD16<Int32>, _ c2: SIMD16<Int32>, _ c3: SIMD16<Int32>) {
        #if SPIKECHIP_AVX512
        // A bit cast of the four quarters: `init(lowHalf:highHalf:)` is a generic call.
        v = unsafeBitCast((narrowed(c0), narrowed(c1), narrowed(c2), narrowed(c3)), to: __m512i.self)
        #else
        a = narrowed(c0); b = narrowed(c1); c = narrowed(c2); d = narrowed(c3)
        #endif
    }

    /// −1 in the lanes of negative counts, 1 elsewhere (the counts' full range).
    @inline(__always)
    init(signsOf c0: SIMD16<Int32>, _ c1: SIMD16<Int32>, _ c2: SIMD16<Int32>, _ c3: SIMD16<Int32>) {
        #if SPIKECHIP_AVX512
        @inline(__always) func negative(_ c: SIMD16<Int32>, _ shift: UInt64) -> UInt64 { UInt64(_mm512_movepi32_mask(m512i(c))) << shift }
        let k = negative(c0, 0) | negative(c1, 16) | negative(c2, 32) | negative(c3, 48)
        v = _mm512_mask_blend_epi8(k, _mm512_set1_epi8(1), _mm512_set1_epi8(-1))
        #else
        // The top byte of a count carries its sign.
        self = Bytes64(narrowing: c0 &>> 24, c1 &>> 24, c2 &>> 24, c3 &>> 24).signs
        #endif
    }

    #if !SPIKECHIP_AVX512
    /// `f` applied to the four 16-byte parts of self, `o` and `p`.
    @inline(__always)
    private func zip(_ o: Bytes64, _ p: Bytes64, _ f: (SIMD16<Int8>, SIMD16<Int8>, SIMD16<Int8>) -> SIMD16<Int8>) -> Bytes64 {
        var r = self
        r.a = f(a, o.a, p.a); r.b = f(b, o.b, p.b); r.c = f(c, o.c, p.c); r.d = f(d, o.d, p.d)
        return r
    }
    #endif

    /// |x| (lanes above −128).
    @inline(__always)
    var magnitude: Bytes64 {
        #if SPIKECHIP_AVX512
        var r = self; r.v = _mm512_abs_epi8(v); return r
        #else
        return zip(self, self) { x, _, _ in x.replacing(with: SIMD16<Int8>.zero &- x, where: x .< SIMD16<Int8>.zero) }
        #endif
    }

    /// −1 in negative lanes, 1 elsewhere.
    @inline(__always)
    var signs: Bytes64 {
        #if SPIKECHIP_AVX512
        var r = self; r.v = _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), _mm512_set1_epi8(1), _mm512_set1_epi8(-1)); return r
        #else
        return zip(self, self) { x, _, _ in SIMD16<Int8>(repeating: 1).replacing(with: -1, where: x .< SIMD16<Int8>.zero) }
        #endif
    }

    /// These lanes where `m > t` (signed), zero elsewhere.
    @inline(__always)
    func kept(where m: Bytes64, exceeds t: Bytes64) -> Bytes64 {
        #if SPIKECHIP_AVX512
        var r = self; r.v = _mm512_maskz_mov_epi8(mask(bytes(m) .> bytes(t)), v); return r
        #else
        return zip(m, t) { x, m, t in SIMD16.zero.replacing(with: x, where: m .> t) }
        #endif
    }

    /// These lanes where `m == t`, zero elsewhere.
    @inline(__always)
    func kept(where m: Bytes64, equals t: Bytes64) -> Bytes64 {
        #if SPIKECHIP_AVX512
        var r = self; r.v = _mm512_maskz_mov_epi8(mask(bytes(m) .== bytes(t)), v); return r
        #else
        return zip(m, t) { x, m, t in SIMD16.zero.replacing(with: x, where: m .== t) }
        #endif
    }

    /// These lanes where `m & bits` is non-zero, zero elsewhere.
    @inline(__always)
    func kept(where m: Bytes64, has bits: Bytes64) -> Bytes64 {
        #if SPIKECHIP_AVX512
        var r = self; r.v = _mm512_maskz_mov_epi8(_mm512_test_epi8_mask(m.v, bits.v), v); return r
        #else
        return zip(m, bits) { x, m, bits in SIMD16.zero.replacing(with: x, where: (m & bits) .!= .zero) }
        #endif
    }

    /// min(max(x − t, 0), a) lane-wise, for lanes of x, t and a in 0...127.
    @inline(__always)
    func excess(over t: Bytes64, atMost a: Bytes64) -> Bytes64 {
        #if SPIKECHIP_AVX512
        var r = self; r.v = _mm512_min_epu8(_mm512_subs_epu8(v, t.v), a.v); return r
        #else
        return zip(t, a) { x, t, a in
            let d = SIMD16<Int8>.zero.replacing(with: x &- t, where: x .> t)
            return d.replacing(with: a, where: d .> a)
        }
        #endif
    }

    /// −x in the lanes where `signs` is negative.
    @inline(__always)
    func negated(where signs: Bytes64) -> Bytes64 {
        #if SPIKECHIP_AVX512
        var r = self; r.v = _mm512_mask_sub_epi8(v, _mm512_movepi8_mask(signs.v), _mm512_setzero_si512(), v); return r
        #else
        return zip(signs, signs) { x, s, _ in x.replacing(with: SIMD16<Int8>.zero &- x, where: s .< SIMD16<Int8>.zero) }
        #endif
    }

    @inline(__always)
    static func | (l: Bytes64, r: Bytes64) -> Bytes64 {
        #if SPIKECHIP_AVX512
        var x = l; x.v = _mm512_or_si512(l.v, r.v); return x
        #else
        return l.zip(r, r) { x, y, _ in x | y }
        #endif
    }

    #if SPIKECHIP_AVX512
    /// The 64 bytes at `p` (any alignment).
    @inline(__always)
    init(loading p: UnsafeRawPointer) { v = _mm512_loadu_si512(p) }

    // The compare intrinsics are macros Swift cannot import; `SIMD64`'s own comparisons lower to
    // `vpcmpb` and the mask round trip below folds away.
    @inline(__always) private func bytes(_ x: Bytes64) -> SIMD64<Int8> { unsafeBitCast(x.v, to: SIMD64<Int8>.self) }
    @inline(__always) private func mask(_ m: SIMDMask<SIMD64<Int8>>) -> __mmask64 { _mm512_movepi8_mask(unsafeBitCast(m, to: __m512i.self)) }
    #endif

    #if SPIKECHIP_AVX512_VBMI
    /// `table[x mod 64]` lane-wise (`vpermb`): a 64-entry byte table indexed by these lanes.
    @inline(__always)
    func lookup(_ table: Bytes64) -> Bytes64 {
        var r = self; r.v = _mm512_permutexvar_epi8(v, table.v); return r
    }
    #endif

    /// Writes the 64 bytes at `p` (any alignment).
    @inline(__always)
    func store(to p: UnsafeMutableRawPointer) {
        #if SPIKECHIP_AVX512
        _mm512_storeu_si512(p, v)
        #else
        p.storeBytes(of: a, as: SIMD16<Int8>.self); p.storeBytes(of: b, toByteOffset: 16, as: SIMD16<Int8>.self)
        p.storeBytes(of: c, toByteOffset: 32, as: SIMD16<Int8>.self); p.storeBytes(of: d, toByteOffset: 48, as: SIMD16<Int8>.self)
        #endif
    }
}
