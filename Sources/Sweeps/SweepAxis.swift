import Foundation
import Store

/// One dimension of a sweep: the keys it sets (one, or several set together such as a square
/// crossbar's axons and neurons) and the values it takes.
public struct SweepAxis: Sendable {
    /// Values as a list, or a range that a grid divides into steps and sampling draws from.
    public enum Values: Sendable {
        case list([SweepValue])
        /// `from`…`to`; `steps` points (or every `step`) in a grid, log-spaced when `logarithmic`; whole
        /// numbers when `integer`.
        case range(from: Double, to: Double, steps: Int?, step: Double?, logarithmic: Bool, integer: Bool)
    }

    /// How the axis is named in the database (`sweep_parameter.key`) and in constraints.
    public var name: String
    /// Run options (`weight_bits`) and topology key paths (`core.axons`) the axis sets.
    public var keys: [String]
    public var values: Values
    /// For an axis that sets several keys to different values together: per value (the first key's, which
    /// names the point), the value of every key. Empty: every key takes the axis's value.
    public var tuples: [SweepValue: [SweepValue]] = [:]

    /// The value each of `keys` takes at the axis value `v`.
    public func settings(_ v: SweepValue) -> [(key: String, value: SweepValue)] {
        guard let t = tuples[v] else { return keys.map { ($0, v) } }
        return Array(zip(keys, t)).map { ($0.0, $0.1) }
    }

    /// Most points a grid may have, and most values a range may be divided into: a sweep stores a row per point.
    public static let maxPoints = 100_000

    /// The values of a grid.
    public func gridValues() throws -> [SweepValue] {
        switch values {
        case .list(let l): return l
        case let .range(from, to, steps, step, logarithmic, integer):
            var out: [Double]
            if let steps {
                out = (0..<steps).map { i in
                    Self.interpolate(from, to, at: steps == 1 ? 0 : Double(i) / Double(steps - 1), logarithmic: logarithmic)
                }
            } else if let step {
                let count = Int(((to - from) / step + 1e-9).rounded(.down)) + 1
                guard count <= Self.maxPoints else { throw SweepError.invalid("axis \(name): \(count) values; at most \(Self.maxPoints)") }
                out = (0..<count).map { from + Double($0) * step }
            } else {
                throw SweepError.invalid("axis \(name): a range in a grid needs `steps: N` (N values from `from` to `to`) or `step: S`")
            }
            if integer { out = out.map { $0.rounded() } }
            var seen = Set<Double>()
            return out.filter { seen.insert($0).inserted }.map(SweepValue.number)
        }
    }

    /// The value at `u` in [0, 1): a list's element, or a point of the range.
    public func value(at u: Double) -> SweepValue {
        switch values {
        case .list(let l): return l[min(Int(u * Double(l.count)), l.count - 1)]
        case let .range(from, to, _, _, logarithmic, integer):
            let x = Self.interpolate(from, to, at: u, logarithmic: logarithmic)
            return .number(integer ? x.rounded() : x)
        }
    }

    /// The point `u` ∈ [0, 1] of the way from `from` to `to`, on a linear or a log scale.
    static func interpolate(_ from: Double, _ to: Double, at u: Double, logarithmic: Bool) -> Double {
        logarithmic ? from * pow(to / from, u) : from + (to - from) * u
    }
}
