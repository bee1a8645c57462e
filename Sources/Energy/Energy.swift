import Foundation

/// An amount of energy.
///
/// The unit of the project is the picojoule; the value is held as a whole number of
/// femtojoules (0.001 pJ) so that sums are exact and independent of the order in which
/// records are added. That is what makes totals bit-identical whether a run executes as
/// one partition or many, and lets "total equals the sum of the stream" be checked with
/// `==`. Every published per-operation figure used here (Horowitz's 0.03 pJ add is the
/// smallest) is a whole number of femtojoules.
public struct Energy: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// Femtojoules (1 fJ = 0.001 pJ).
    public var femtojoules: Int64

    @inlinable public init(femtojoules: Int64) { self.femtojoules = femtojoules }

    /// Rounds `picojoules` to the nearest femtojoule.
    @inlinable public init(picojoules: Double) {
        self.femtojoules = Int64((picojoules * 1000).rounded())
    }

    public static let zero = Energy(femtojoules: 0)

    /// The energy in picojoules.
    @inlinable public var picojoules: Double { Double(femtojoules) / 1000 }

    @inlinable public static func < (a: Energy, b: Energy) -> Bool { a.femtojoules < b.femtojoules }
    @inlinable public static func + (a: Energy, b: Energy) -> Energy { Energy(femtojoules: a.femtojoules &+ b.femtojoules) }
    @inlinable public static func += (a: inout Energy, b: Energy) { a.femtojoules &+= b.femtojoules }
    @inlinable public static func - (a: Energy, b: Energy) -> Energy { Energy(femtojoules: a.femtojoules - b.femtojoules) }
    /// `n` operations of this energy each.
    @inlinable public static func * (a: Energy, n: Int64) -> Energy { Energy(femtojoules: a.femtojoules &* n) }

    public var description: String { Energy.format(picojoules: picojoules) }

    /// Formats an energy in pJ with an SI prefix a reader can take in at a glance.
    public static func format(picojoules pj: Double) -> String {
        let a = abs(pj)
        func f(_ v: Double, _ unit: String) -> String {
            let s = v >= 100 ? String(format: "%.1f", v) : (v >= 10 ? String(format: "%.2f", v) : String(format: "%.3f", v))
            return "\(s) \(unit)"
        }
        switch a {
        case 1e12...: return f(pj / 1e12, "J")
        case 1e9...: return f(pj / 1e9, "mJ")
        case 1e6...: return f(pj / 1e6, "µJ")
        case 1e3...: return f(pj / 1e3, "nJ")
        default: return f(pj, "pJ")
        }
    }
}
