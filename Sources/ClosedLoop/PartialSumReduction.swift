import Mapping

/// How crossbar tiles hand their partial sums to the reduction, with the tile geometry the
/// rounding of spike-coded sums depends on.
public struct PartialSumReduction: Sendable, Hashable {
    public var coding: PartialSumCoding
    /// Inputs (axons) and outputs (neurons) of one tile.
    public var axons: Int
    public var neurons: Int

    public init(coding: PartialSumCoding, axons: Int, neurons: Int) {
        self.coding = coding; self.axons = max(1, axons); self.neurons = max(1, neurons)
    }

    /// As `mapping` maps: its topology's core size and its partial-sum option.
    public init(mapping: ChipMapping) {
        self.init(coding: mapping.options.partialSums, axons: mapping.topology.axons, neurons: mapping.topology.neurons)
    }

    /// Graded packets: the integer sums reach the reduction exactly.
    public static let graded = PartialSumReduction(coding: .graded, axons: 1, neurons: 1)
}
