import Energy
import Mapping
import Models
import SimKernel
import Topology

/// The non-synaptic work a stage's function unit does for one token, as operation
/// counts: reducing the previous stage's partial sums, the LLM's non-linear parts, and
/// the encoder's threshold. Nothing here is free: each count becomes energy records.
public struct FunctionUnitWork: Sendable, Hashable {
    public var adds = 0
    public var multiplies = 0
    public var exps = 0
    public var divides = 0
    public var rsqrts = 0
    public var compares = 0
    public var bytesRead = 0
    public var bytesWritten = 0

    public init() {}

    /// Work of `stage` at context position `position` (tokens already in the KV cache).
    public static func forStage(_ stageIndex: Int, in mapping: ChipMapping, position: Int) -> FunctionUnitWork {
        var w = FunctionUnitWork()
        let spec = mapping.spec
        let stage = mapping.stages[stageIndex]
        let h = spec.hidden
        // Reduce the previous stage's tiles: (row blocks × slices − 1) adds per output, one
        // multiply per output for the per-row weight scale times the encoder's threshold.
        if stageIndex > 0 {
            for p in mapping.stages[stageIndex - 1].projections {
                let mp = mapping.projections[p]
                // Spike-coded partial sums are added by reduction neurons, charged per spike on arrival.
                if mapping.options.partialSums == .graded { w.adds += mp.outputs * (mp.rowBlocks * mp.slices - 1) }
                w.multiplies += mp.outputs
            }
        }
        switch stage.kind {
        case .attentionInput:
            if stage.layer == 0 { w.bytesRead += 2 * h } else { w.adds += h } // FP16 embedding row, or residual add
            w.rmsNorm(h)
            w.encode(stage.inputs)
        case .attentionOutput:
            w.attention(spec: spec, layer: stage.layer, position: position)
            w.encode(stage.inputs)
        case .ffnInput:
            w.adds += h
            w.rmsNorm(h)
            w.encode(stage.inputs)
        case .ffnOutput:
            // SiLU(gate) · up = gate / (1 + exp(−gate)) · up
            w.exps += spec.ffn; w.adds += spec.ffn; w.divides += spec.ffn; w.multiplies += spec.ffn
            w.encode(stage.inputs)
        case .lmHead:
            w.adds += h
            w.rmsNorm(h)
            w.encode(stage.inputs)
        case .output:
            if mapping.options.includeLMHead { w.compares += spec.vocabulary } // argmax over the logits
        }
        return w
    }

    /// RMSNorm: square and sum, one reciprocal square root, scale and weight.
    mutating func rmsNorm(_ n: Int) {
        multiplies += 3 * n; adds += n; rsqrts += 1
    }

    /// SpikingBrain's adaptive threshold V_th = mean(|x|) / k, then s = round(x / V_th) per element.
    mutating func encode(_ n: Int) {
        adds += n; divides += 1; multiplies += n; compares += n
    }

    /// RoPE, then softmax attention over the positions the layer sees, or the linear-attention state update.
    mutating func attention(spec: ModelSpec, layer: Int, position: Int) {
        let d = spec.headDim, kv = spec.kvDim
        multiplies += 2 * (spec.hidden + kv); adds += spec.hidden + kv // RoPE on q and k
        switch spec.attention[layer] {
        case .full, .slidingWindow:
            let seen = spec.attention[layer] == .full ? position + 1 : min(position + 1, spec.slidingWindow)
            multiplies += 2 * spec.heads * d * seen; adds += 2 * spec.heads * d * seen // QKᵀ and AV
            exps += spec.heads * seen; adds += spec.heads * seen; divides += spec.heads * seen // softmax
            bytesWritten += 2 * kv * 2 // new K and V in FP16
            bytesRead += 2 * kv * seen * 2 // K and V of every position seen
        case .linear:
            // State S (d×d per KV head): S += k vᵀ, o = q S; read and written every token.
            multiplies += 2 * spec.heads * d * d; adds += 2 * spec.heads * d * d
            bytesRead += spec.kvHeads * d * d * 2; bytesWritten += spec.kvHeads * d * d * 2
        }
    }

    /// Time the unit is busy: each kind of operation in `lanes`-wide batches.
    public func latency(on fu: FunctionUnitSpec) -> SimTime {
        func t(_ n: Int, _ c: OpCost) -> UInt64 { UInt64((n + fu.lanes - 1) / fu.lanes) * c.latency.picoseconds }
        let ps = t(adds, fu.add) + t(multiplies, fu.multiply) + t(exps, fu.exp) + t(divides, fu.divide)
            + t(rsqrts, fu.rsqrt) + t(compares, fu.compare)
            + UInt64(bytesRead) * fu.memoryRead.latency.picoseconds + UInt64(bytesWritten) * fu.memoryWrite.latency.picoseconds
        return SimTime(picoseconds: ps)
    }

    /// The energy records of this work: (kind, count, energy) per kind of operation with a non-zero count.
    public func costs(on fu: FunctionUnitSpec) -> [(EnergyKind, Int, Energy)] {
        let items: [(EnergyKind, Int, OpCost)] = [
            (.functionUnitOp, adds, fu.add), (.functionUnitOp, multiplies, fu.multiply), (.functionUnitOp, exps, fu.exp),
            (.functionUnitOp, divides, fu.divide), (.functionUnitOp, rsqrts, fu.rsqrt), (.functionUnitOp, compares, fu.compare),
            (.memory, bytesRead, fu.memoryRead), (.memory, bytesWritten, fu.memoryWrite),
        ]
        return items.filter { $0.1 > 0 }.map { ($0.0, $0.1, $0.2.energy * Int64($0.1)) }
    }
}
