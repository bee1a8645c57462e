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
