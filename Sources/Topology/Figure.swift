/// A cost figure with the range a study should sweep: the value used, and the lowest and
/// highest values its sources (or an explicit assumption) support.
///
/// In YAML a figure is a plain number (no range: low = value = high) or a mapping
/// `{value: 1.35, low: 0.9, high: 2.5}`; `low ≤ value ≤ high` is checked with the line.
public struct Figure: Sendable, Hashable {
    public var value: Double
    public var low: Double
    public var high: Double

    public init(_ value: Double) { self.value = value; low = value; high = value }

    /// - Precondition: `low ≤ value ≤ high` (the YAML reader reports a violation as an error first).
    public init(value: Double, low: Double, high: Double) {
        precondition(low <= value && value <= high, "a figure's range must hold its value")
        self.value = value; self.low = low; self.high = high
    }

    /// Whether the figure carries a range at all.
    public var hasRange: Bool { low != value || high != value }

    /// `low / value` and `high / value`: how far the figure may move, as factors (1 for a zero figure).
    public var lowFactor: Double { value == 0 ? 1 : low / value }
    public var highFactor: Double { value == 0 ? 1 : high / value }

    /// The figure with value and range multiplied by `factor` (node scaling).
    public func scaled(by factor: Double) -> Figure {
        Figure(value: value * factor, low: low * factor, high: high * factor)
    }
}

extension Topology {
    /// The widest low and high factors over the figures named by `keys` (1 for figures without a range).
    public func rangeFactors(_ keys: [String]) -> (low: Double, high: Double) {
        let f = keys.compactMap { figures[$0] }
        return (f.map(\.lowFactor).min() ?? 1, f.map(\.highFactor).max() ?? 1)
    }
}
