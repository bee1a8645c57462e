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

/// The (m+1)-th largest |x|: the largest magnitude not among the top m (0 ≤ m < x.count).
///
/// Exact, but without reordering all of x: a strided sample of |x| gives a bound τ that about
/// 2(m+1) magnitudes exceed, one pass copies the magnitudes ≥ τ into `scratch`, and the
/// selection runs on those few. If the sample was unlucky and fewer than m+1 magnitudes reach τ,
/// it selects among all of them. `scratch` needs room for `x.count` values.
func largestMagnitude(afterTop m: Int, of x: UnsafeBufferPointer<Float>, scratch: UnsafeMutableBufferPointer<Float>) -> Float {
    let n = x.count
    precondition(0 <= m && m < n && scratch.count >= n, "rank \(m) of \(n) magnitudes, scratch of \(scratch.count)")
    let stride = max(1, n / 1024)
    var kept = 0
    if stride > 1 {
        let samples = n / stride
        for i in 0..<samples { scratch[i] = abs(x[i * stride]) }
        let fromTop = min(samples - 1, 2 * (m + 1) / stride + 8)
        let bound = select(rank: samples - 1 - fromTop, in: UnsafeMutableBufferPointer(rebasing: scratch[0..<samples]))
        for v in x where abs(v) >= bound {
            scratch[kept] = abs(v)
            kept += 1
        }
    }
    if kept <= m {
        for i in 0..<n { scratch[i] = abs(x[i]) }
        kept = n
    }
    return select(rank: kept - 1 - m, in: UnsafeMutableBufferPointer(rebasing: scratch[0..<kept]))
}

/// How many |x| exceed `bound`, 8 lanes at a time.
func countMagnitudes(of x: UnsafeBufferPointer<Float>, above bound: Float) -> Int {
    let b = SIMD8<Float>(repeating: bound)
    let (sum, tail) = sumOverBlocks(x) { v in SIMD8<Int32>.zero &- lanes((v .> b) .| (v .< -b)) }
    return Int(sum.wrappedSum()) + x[tail...].filter { abs($0) > bound }.count
}
