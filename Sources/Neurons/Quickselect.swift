/// The value of rank `k` (0-based, ascending) of `v`, reordering `v` in place (Hoare's
/// quickselect, median-of-three pivot): expected linear time, no allocation.
func select(rank k: Int, in v: UnsafeMutableBufferPointer<Float>) -> Float {
    var lo = 0, hi = v.count - 1
    while lo < hi {
        let mid = lo + (hi - lo) / 2
        if v[mid] < v[lo] { v.swapAt(mid, lo) }
        if v[hi] < v[lo] { v.swapAt(hi, lo) }
        if v[hi] < v[mid] { v.swapAt(hi, mid) }
        let pivot = v[mid]
        var i = lo, j = hi
        while i <= j {
            while v[i] < pivot { i += 1 }
            while pivot < v[j] { j -= 1 }
            if i <= j { v.swapAt(i, j); i += 1; j -= 1 }
        }
        if k <= j { hi = j } else if k >= i { lo = i } else { return v[k] }
    }
    return v[k]
}

/// The (m+1)-th largest |x|, the largest magnitude not among the top m (0 ≤ m < x.count), and
/// how many magnitudes exceed it.
///
/// Exact, but without reordering all of x: a strided sample of |x| gives a bound τ that about
/// 2(m+1) magnitudes exceed, one vector pass copies the magnitudes ≥ τ into `scratch` (blocks
/// of 16 with none are skipped after one compare), and the selection and the count run on those
/// few. If the sample was unlucky and fewer than m+1 magnitudes reach τ, it selects among all of
/// them. `scratch` needs room for `x.count` values.
func largestMagnitude(afterTop m: Int, of x: UnsafeBufferPointer<Float>,
                      scratch: UnsafeMutableBufferPointer<Float>) -> (value: Float, above: Int) {
    let n = x.count
    precondition(0 <= m && m < n && scratch.count >= n, "rank \(m) of \(n) magnitudes, scratch of \(scratch.count)")
    let stride = max(1, n / 1024)
    var kept = 0
    if stride > 1, let base = x.baseAddress.map(UnsafeRawPointer.init) {
        let samples = n / stride
        for i in 0..<samples { scratch[i] = abs(x[i * stride]) }
        let fromTop = min(samples - 1, 2 * (m + 1) / stride + 8)
        let bound = select(rank: samples - 1 - fromTop, in: UnsafeMutableBufferPointer(rebasing: scratch[0..<samples]))
        let b = SIMD16<Float>(repeating: bound), whole = n & ~15
        var i = 0
        while i < whole {
            let a = magnitudes(base.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self))
            let candidate = a .>= b
            // kept ≤ i, so the 16 lanes written from scratch[kept] are in room.
            if any(candidate) { kept &+= storeCompressed(a, where: candidate, to: scratch.baseAddress! + kept) }
            i &+= 16
        }
        for v in x[whole...] where abs(v) >= bound { scratch[kept] = abs(v); kept += 1 }
    }
    if kept <= m {
        for i in 0..<n { scratch[i] = abs(x[i]) }
        kept = n
    }
    let candidates = UnsafeMutableBufferPointer(rebasing: scratch[0..<kept])
    let value = select(rank: kept - 1 - m, in: candidates)
    // Every magnitude above the value is a candidate: the value is at least the bound.
    return (value, candidates.reduce(0) { $0 + ($1 > value ? 1 : 0) })
}

/// |v| lane-wise: the sign bit cleared, one `and`.
@inline(__always)
func magnitudes(_ v: SIMD16<Float>) -> SIMD16<Float> {
    unsafeBitCast(unsafeBitCast(v, to: SIMD16<UInt32>.self) & SIMD16(repeating: 0x7FFF_FFFF), to: SIMD16<Float>.self)
}
