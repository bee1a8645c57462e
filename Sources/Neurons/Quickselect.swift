/// The value of rank `k` (0-based, ascending) of `v` and how many values of `v` exceed it,
/// reordering and overwriting `v`, without allocating.
///
/// Quickselect with three-way partitions around the median of three spread elements, each
/// round two vector passes: one counts the values below and equal to the pivot, one compacts
/// the side that holds rank k to the front (in place, as the write position never passes the
/// read position). Branch-free passes instead of Hoare's swaps, whose data-dependent branches
/// mispredict about every other element. Below 32 values an insertion sort finishes. A NaN
/// pivot (never equal to itself) is returned as the answer: callers check finiteness.
func select(rank k: Int, in v: UnsafeMutableBufferPointer<Float>) -> (value: Float, above: Int) {
    precondition(0 <= k && k < v.count, "rank \(k) of \(v.count) values")
    let base = v.baseAddress!
    var n = v.count, k = k, above = 0
    while n > 32 {
        let a = base[n / 4], b = base[n / 2], c = base[3 * n / 4]
        let pivot = max(min(a, b), min(max(a, b), c))
        let (below, equal) = countBelowAndEqual(base, n, pivot)
        if equal == 0 { return (pivot, above) }
        if k < below {
            above += n - below  // the pivot's equals and everything above it
            n = compact(base, n, pivot, below: true)
        } else if k < below + equal {
            return (pivot, above + n - below - equal)
        } else {
            n = compact(base, n, pivot, below: false)
            k -= below + equal
            if k >= n { return (.nan, above) }  // NaNs are neither below, equal nor above
        }
    }
    for i in 1..<max(1, n) {
        let x = base[i]
        var j = i
        while j > 0 && x < base[j - 1] { base[j] = base[j - 1]; j -= 1 }
        base[j] = x
    }
    let value = base[k]
    for i in (k + 1)..<n where base[i] > value { above += 1 }
    return (value, above)
}

/// How many of the first `n` values are below and equal to `pivot`.
private func countBelowAndEqual(_ base: UnsafeMutablePointer<Float>, _ n: Int, _ pivot: Float) -> (Int, Int) {
    let p = SIMD16<Float>(repeating: pivot), whole = n & ~15
    var below = SIMD16<Int32>.zero, equal = SIMD16<Int32>.zero
    var i = 0
    while i < whole {
        let x = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<Float>.self)
        below &-= unsafeBitCast(x .< p, to: SIMD16<Int32>.self)
        equal &-= unsafeBitCast(x .== p, to: SIMD16<Int32>.self)
        i &+= 16
    }
    var b = Int(below.wrappedSum()), e = Int(equal.wrappedSum())
    for j in whole..<n { b += base[j] < pivot ? 1 : 0; e += base[j] == pivot ? 1 : 0 }
    return (b, e)
}

/// Moves those of the first `n` values that are below `pivot` (or above it) to the front, in
/// order, and returns how many there are.
private func compact(_ base: UnsafeMutablePointer<Float>, _ n: Int, _ pivot: Float, below: Bool) -> Int {
    let p = SIMD16<Float>(repeating: pivot), whole = n & ~15
    var kept = 0, i = 0
    while i < whole {
        let x = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<Float>.self)
        let keep = below ? x .< p : x .> p
        kept &+= storeCompressed(x, where: keep, to: base + kept)  // kept ≤ i: writes stay below i + 16
        i &+= 16
    }
    for j in whole..<n where below ? base[j] < pivot : base[j] > pivot { base[kept] = base[j]; kept += 1 }
    return kept
}

/// The (m+1)-th largest |x|, the largest magnitude not among the top m (0 ≤ m < x.count), how
/// many magnitudes exceed it, and whether x is finite (a NaN or infinity makes the rest void).
///
/// Exact, but without reordering all of x: a strided sample of |x| gives a bound τ that about
/// 2(m+1) magnitudes exceed, one vector pass copies the magnitudes ≥ τ into `scratch` (blocks
/// of 16 with none cost one compare), and the selection and the count run on those few. If the
/// sample was unlucky and fewer than m+1 magnitudes reach τ, it selects among all of them.
/// `scratch` needs room for `x.count` values.
func largestMagnitude(afterTop m: Int, of x: UnsafeBufferPointer<Float>,
                      scratch: UnsafeMutableBufferPointer<Float>) -> (value: Float, above: Int, finite: Bool) {
    let n = x.count
    precondition(0 <= m && m < n && scratch.count >= n, "rank \(m) of \(n) magnitudes, scratch of \(scratch.count)")
    // 512 samples: with n = 18944 and 1% salient channels the bound is exceeded by ~700
    // magnitudes, and by fewer than m + 1 = 190 (the exact fallback) with odds of about 1e-5.
    let stride = max(1, n / 512)
    var kept = 0
    var finite = true
    if stride > 1, let base = x.baseAddress.map(UnsafeRawPointer.init) {
        let samples = n / stride
        let sample = scratch.baseAddress!, source = x.baseAddress!
        for i in 0..<samples { sample[i] = abs(source[i &* stride]) }
        let fromTop = min(samples - 1, 2 * (m + 1) / stride + 8)
        let bound = select(rank: samples - 1 - fromTop, in: UnsafeMutableBufferPointer(rebasing: scratch[0..<samples])).value
        let b = SIMD16<Float>(repeating: bound), whole = n & ~15
        // |x| is finite when its bit pattern is at most the largest finite float's: a range
        // check of integer lanes (an unsigned maximum per block), where a running mask of
        // float comparisons chained a 4-cycle compare through the loop.
        var finiteBits = RangeCheck(upper: Int32(bitPattern: Float.greatestFiniteMagnitude.bitPattern))
        var i = 0
        while i < whole {
            let a = magnitudes(base.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self))
            finiteBits.include(unsafeBitCast(a, to: SIMD16<Int32>.self))
            let candidate = a .>= b
            // kept ≤ i, so the 16 lanes written from scratch[kept] are in room.
            if any(candidate) { kept &+= storeCompressed(a, where: candidate, to: scratch.baseAddress! + kept) }
            i &+= 16
        }
        finite = finiteBits.allWithin
        for v in x[whole...] {
            finite = finite && v.isFinite
            if abs(v) >= bound { scratch[kept] = abs(v); kept += 1 }
        }
    }
    if kept <= m {
        for i in 0..<n { scratch[i] = abs(x[i]) }
        kept = n
        finite = !x.contains { !$0.isFinite }
    }
    // Every magnitude above the value is a candidate (the value is at least the bound), so the
    // selection's count of values above it is the count over all of x.
    let (value, above) = select(rank: kept - 1 - m, in: UnsafeMutableBufferPointer(rebasing: scratch[0..<kept]))
    return (value, above, finite)
}
