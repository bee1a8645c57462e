/// One measured quantity of a benchmark, ready for `spikechip bench` tables.
public struct BenchmarkRow: Equatable, Sendable {
    /// What was measured.
    public var name: String
    /// The median measurement.
    public var value: Double
    /// Unit of `value`.
    public var unit: String
    /// How it was measured.
    public var note: String

    public init(name: String, value: Double, unit: String, note: String) {
        self.name = name; self.value = value; self.unit = unit; self.note = note
    }
}
