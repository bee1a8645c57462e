import SimKernel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exact exponential variates (mean 1) by Marsaglia and Tsang's ziggurat: 256 layers of
/// equal area under e^−x. About 98.9% of draws cost one 64-bit random number, a table read,
/// a multiply and a compare; the rest fall back to the exact wedge or tail test. It replaces
/// `−log(1 − u)`, whose `log` call was a seventh of PHOLD's time per event.
///
/// Every draw takes the layer from the low 8 bits of a 64-bit number and the position in
/// the layer from the top 53, so the two are independent.
public struct ExponentialZiggurat: Sendable {
    /// Right edge of the base layer (the tail starts here).
    @usableFromInline static let r = 7.697_117_470_131_049_72
    /// Area of each layer.
    @usableFromInline static let v = 0.003_949_659_822_581_557_199_3

    /// Layer edges, `x[0]` the base layer's virtual width `v / e^−r`, `x[1] = r`, …, `x[256] = 0`.
    @usableFromInline let x: ContiguousArray<Double>
    /// `e^−x[i]`.
    @usableFromInline let f: ContiguousArray<Double>

    public init() {
        var x = ContiguousArray<Double>(repeating: 0, count: 257)
        x[0] = Self.v / exp(-Self.r)
        x[1] = Self.r
        for i in 1..<255 { x[i + 1] = -log(Self.v / x[i] + exp(-x[i])) }
        x[256] = 0
        self.x = x
        f = ContiguousArray(x.map { exp(-$0) })
    }

    /// One variate with mean 1, drawn from `g`.
    @inlinable @inline(__always)
    public func next(_ g: inout SplitMix64) -> Double {
        let bits = g.next()
        let i = Int(bits & 0xFF)
        let x = Double(bits >> 11) * 0x1.0p-53 * self.x[i]
        return x < self.x[i &+ 1] ? x : edge(layer: i, x: x, &g)
    }

    /// The rare draws outside a layer's inner rectangle: the tail beyond `r` for the base
    /// layer, the wedge test against e^−x for the others, then a fresh draw if rejected.
    @usableFromInline @inline(never)
    func edge(layer i: Int, x: Double, _ g: inout SplitMix64) -> Double {
        if i == 0 { return Self.r - log(1 - g.nextUnit()) }
        if f[i &+ 1] + (f[i] - f[i &+ 1]) * g.nextUnit() < exp(-x) { return x }
        return next(&g)
    }
}
