/// A mask as the integer lanes it is stored in: −1 where true, 0 where false. Adding these
/// counts lanes without the select a `replacing(with:where:)` would cost.
@inline(__always)
func lanes<Lanes: SIMD>(_ mask: SIMDMask<Lanes>) -> Lanes { unsafeBitCast(mask, to: Lanes.self) }

/// Σ `body(block)` over the whole 8-lane blocks of `buffer`, and where the tail begins.
///
/// `body` is written at the call site with concrete vector types, so its comparisons are the
/// standard library's vector instructions rather than its lane-by-lane generic ones.
@inline(__always)
func sumOverBlocks<Scalar: SIMDScalar>(_ buffer: UnsafeBufferPointer<Scalar>,
                                       _ body: (SIMD8<Scalar>) -> SIMD8<Int32>) -> (sum: SIMD8<Int32>, tail: Int) {
    let whole = buffer.count & ~7
    var sum = SIMD8<Int32>.zero
    guard let base = buffer.baseAddress.map(UnsafeRawPointer.init) else { return (sum, 0) }
    var i = 0
    while i < whole {
        sum &+= body(base.loadUnaligned(fromByteOffset: i &* MemoryLayout<Scalar>.stride, as: SIMD8<Scalar>.self))
        i &+= 8
    }
    return (sum, whole)
}
