/// One level of the spiking-versus-dense comparison, energies over the run's tokens (`comparison`).
public struct ComparisonRow: Sendable, Equatable {
    /// 1 arithmetic only, 2 arithmetic + memory, 3 whole system.
    public var level: Int
    public var name: String
    public var spikingPicojoules: Double
    public var fp16Picojoules: Double
    public var int8Picojoules: Double

    public init(level: Int, name: String, spikingPicojoules: Double, fp16Picojoules: Double, int8Picojoules: Double) {
        self.level = level; self.name = name; self.spikingPicojoules = spikingPicojoules
        self.fp16Picojoules = fp16Picojoules; self.int8Picojoules = int8Picojoules
    }

    /// "x% less than FP16": 100 × (1 − spiking / fp16).
    public var percentLessThanFP16: Double { 100 * (1 - spikingPicojoules / fp16Picojoules) }
    public var percentLessThanINT8: Double { 100 * (1 - spikingPicojoules / int8Picojoules) }
}
