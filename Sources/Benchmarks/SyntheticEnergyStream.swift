import Energy
import SimKernel

/// A seeded, reproducible stream of plausible energy records, for the store's benchmark
/// and tests: tokens in order, each made of `timeSteps` steps in which every layer's cores
/// emit synaptic, neuron, routing, function-unit and memory records, plus static power per chip.
public struct SyntheticEnergyStream: Sendable {
    public var chips: Int
    public var coresPerChip: Int
    public var layers: Int
    public var timeSteps: Int
    public var seed: UInt64

    /// Records per token; each core sees about `recordsPerToken / (cores × timeSteps)` records per step.
    public var recordsPerToken: Int

    public init(chips: Int = 2, coresPerChip: Int = 64, layers: Int = 4, timeSteps: Int = 4, seed: UInt64 = 1,
                recordsPerToken: Int? = nil) {
        self.chips = max(1, chips); self.coresPerChip = max(1, coresPerChip); self.layers = max(1, layers)
        self.timeSteps = max(1, timeSteps); self.seed = seed
        self.recordsPerToken = max(1, recordsPerToken ?? self.chips * self.coresPerChip * self.timeSteps / 4)
    }

    /// The first `count` records of the stream.
    public func records(_ count: Int) -> ContiguousArray<EnergyRecord> {
        var out = ContiguousArray<EnergyRecord>()
        out.reserveCapacity(count)
        var rng = SplitMix64(seed: seed)
        var time: UInt64 = 0
        var token: UInt32 = 0
        let cores = chips * coresPerChip
        while out.count < count {
            let n = UInt32(out.count % recordsPerToken)
            if n == 0 && out.count > 0 { token &+= 1 }
            let r = rng.next()
            time &+= 100 + r % 1000
            let kindRoll = Int((r >> 12) % 100)
            let kind: EnergyKind = switch kindRoll {
            case 0..<55: .synapticOp
            case 55..<75: .neuronUpdate
            case 75..<85: .spikeOut
            case 85..<93: .routerHop
            case 93..<95: .chipCrossing
            case 95..<97: .functionUnitOp
            case 97: .memory
            case 98: .control
            default: .staticIdle
            }
            let core = Int((r >> 24) % UInt64(cores))
            let system = kind == .staticIdle
            let opCount = UInt32(1 + (r >> 40) % 256)
            out.append(EnergyRecord(
                time: SimTime(picoseconds: time), energy: Energy(femtojoules: Int64(opCount) * Int64(30 + (r >> 52) % 200)),
                count: opCount, kind: kind, chip: UInt16(core / coresPerChip),
                core: system ? EnergyRecord.noCore : UInt32(core),
                layer: system ? -1 : Int16(core * layers / cores), token: token,
                step: system ? EnergyRecord.noStep : UInt16(n * UInt32(timeSteps) / UInt32(recordsPerToken))))
        }
        return out
    }
}
