import Mapping
import SimKernel

/// Supplies the spikes an encoder emits: for one token, stage and time step, the signed
/// spikes of the stage's input neurons, in increasing neuron order.
///
/// Statistical runs draw them from firing statistics; closed-loop runs encode real
/// activations; trace replay reads them from a file. The engine is generic over the
/// source so the call is direct.
public protocol SpikeSource {
    /// Appends `(neuron, sign)` for every input neuron of `stage` that fires at `step` of `token`.
    /// `inputs` is the stage's input width.
    mutating func spikes(token: Int, stage: Int, layer: Int, step: Int, inputs: Int, into out: inout [(neuron: Int32, sign: Int8)])

    /// Spikes tile `tile` sends to carry its partial sums of `token` when they are spike-coded
    /// with `bits`-bit bitwise coding (asked once per tile, when the stage feeding it starts).
    mutating func partialSumSpikes(token: Int, tile: Tile, projection: MappedProjection, bits: Int) -> Int
}

extension SpikeSource {
    /// Without the sums themselves: half of each sum's `bits − 1` magnitude bits set.
    public mutating func partialSumSpikes(token: Int, tile: Tile, projection: MappedProjection, bits: Int) -> Int {
        Int(tile.neuronsUsed) * (bits - 1) / 2
    }
}

/// Spikes drawn at random at a given per-step silence, with random signs (ternary coding).
///
/// Each input neuron fires at each step with probability `1 − silentFraction`,
/// independently; SpikingBrain reports about 69% of neurons silent (Table 11: 0.692 at
/// k = 3). Draws come from a generator seeded by (seed, token, stage, step), so they do
/// not depend on event order.
public struct StatisticalSpikeSource: SpikeSource, Sendable {
    public var silentFraction: Double
    public var seed: UInt64

    public init(silentFraction: Double = 0.69, seed: UInt64 = 1) throws {
        guard (0...1).contains(silentFraction) else {
            throw EngineError.invalidWorkload("--silent must be a fraction between 0 and 1, got \(silentFraction)")
        }
        self.silentFraction = silentFraction; self.seed = seed
    }

    public mutating func spikes(token: Int, stage: Int, layer: Int, step: Int, inputs: Int, into out: inout [(neuron: Int32, sign: Int8)]) {
        let p = 1 - silentFraction
        guard p > 0, inputs > 0 else { return }
        var rng = SplitMix64(seed: seed, stream: UInt64(token), UInt64(stage), UInt64(step))
        if p >= 1 {
            for i in 0..<inputs { out.append((Int32(i), rng.next() & 1 == 0 ? 1 : -1)) }
            return
        }
        // Geometric gaps between firing neurons: one draw per spike, not per neuron.
        let logq = log(1 - p)
        var i = -1
        while true {
            let gap = log(1 - rng.nextUnit()) / logq
            if gap >= Double(inputs) { break }
            i += Int(gap) + 1
            if i >= inputs { break }
            out.append((Int32(i), rng.next() & 1 == 0 ? 1 : -1))
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
