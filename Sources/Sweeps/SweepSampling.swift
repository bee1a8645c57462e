import SimKernel
import Store

/// How a sweep chooses its points from the axes.
public enum SweepSampling: Sendable, Equatable, CustomStringConvertible {
    /// Every combination; the last axis varies fastest.
    case grid
    /// `count` points, each axis drawn independently and uniformly (ranges on their scale).
    case random(count: Int, seed: UInt64)
    /// `count` points, each axis's [0, 1) cut into `count` strata with one point in each (McKay et al. 1979).
    case latinHypercube(count: Int, seed: UInt64)

    public var description: String {
        switch self {
        case .grid: "grid"
        case let .random(n, seed): "random \(n), seed \(seed)"
        case let .latinHypercube(n, seed): "latin-hypercube \(n), seed \(seed)"
        }
    }

    /// The points: one value per axis, in axis order.
    public func points(_ axes: [SweepAxis]) throws -> [[SweepValue]] {
        switch self {
        case .grid:
            let values = try axes.map { try $0.gridValues() }
            let total = values.reduce(1.0) { $0 * Double($1.count) }
            guard total <= Double(SweepAxis.maxPoints) else {
                throw SweepError.invalid("the grid has \(Int(total)) points (\(values.map { String($0.count) }.joined(separator: " × "))); at most \(SweepAxis.maxPoints): fewer values, or `sample: {latin_hypercube: N}`")
            }
            guard total >= 1 else { throw SweepError.invalid("the grid is empty: an axis has no values") }
            var out: [[SweepValue]] = [[]]
            for v in values { out = out.flatMap { prefix in v.map { prefix + [$0] } } }
            return out
        case let .random(n, seed):
            var rng = SplitMix64(seed: seed)
            return (0..<n).map { _ in axes.map { $0.value(at: Self.unit(&rng)) } }
        case let .latinHypercube(n, seed):
            var rng = SplitMix64(seed: seed)
            // Per axis: a random permutation of the strata, then a uniform position inside each stratum.
            let columns: [[SweepValue]] = axes.map { axis in
                var strata = Array(0..<n)
                for i in stride(from: n - 1, to: 0, by: -1) { strata.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
                return strata.map { axis.value(at: (Double($0) + Self.unit(&rng)) / Double(n)) }
            }
            return (0..<n).map { i in columns.map { $0[i] } }
        }
    }

    /// A uniform draw in [0, 1) from the top 53 bits.
    static func unit(_ rng: inout SplitMix64) -> Double { Double(rng.next() >> 11) * 0x1p-53 }
}
