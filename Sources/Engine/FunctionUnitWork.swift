import Energy
import Mapping
import ModelShapes
import SimKernel
import Topology

/// The non-synaptic work a stage's function unit does for one token, as operation counts:
/// reducing the previous stage's partial sums, the LLM's own element-wise work
/// (`OperationCounts.model`, the same counts the dense baselines are charged for) and the
/// encoder's threshold. Nothing here is free: each count becomes energy records.
public typealias FunctionUnitWork = OperationCounts

extension OperationCounts {
    /// Work of `stage` at context position `position` (tokens already in the KV cache).
    public static func forStage(_ stageIndex: Int, in mapping: ChipMapping, position: Int) -> FunctionUnitWork {
        var w = FunctionUnitWork()
        let stage = mapping.stages[stageIndex]
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
        let part: OperationCounts.Part
        switch stage.kind {
        case .attentionInput: part = .attentionInput
        case .attentionOutput: part = .attentionOutput
        case .ffnInput: part = .ffnInput
        case .ffnOutput: part = .ffnOutput
        case .lmHead: part = .lmHeadInput
        case .output:
            // Argmax over the logits only when the LM head is on the chip.
            if mapping.options.includeLMHead { w += .model(mapping.spec, part: .output, layer: stage.layer, position: position) }
            return w
        }
        w += .model(mapping.spec, part: part, layer: stage.layer, position: position)
        w.encode(stage.inputs)
        return w
    }

    /// SpikingBrain's adaptive threshold V_th = mean(|x|) / k, then s = round(x / V_th) per element.
    mutating func encode(_ n: Int) {
        adds += n; divides += 1; multiplies += n; compares += n
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
