/// Where a dense accelerator keeps its weights: the one thing the named scenarios vary.
///
/// Everything else is held equal to the spiking chip in every scenario: the same model work
/// (the layers and head actually mapped), activations in SRAM of the crossbars' per-byte cost,
/// the KV cache and recurrent state in the same function-unit memory at the same cost, every
/// non-linear operation on the same function units, leakage of its SRAM and logic from the same
/// per-bit and per-mm² figures, and the same technology node.
public enum DenseScenario: Sendable, Hashable, CustomStringConvertible {
    /// Weights resident in on-chip SRAM read at the crossbars' own per-byte cost: the symmetric
    /// comparison (spikes against MACs with the same memory).
    case sameMemory
    /// Weights streamed from DRAM through an on-chip buffer, once per batch of `batch` tokens
    /// decoded together (1: the edge case, every weight read for every token).
    case dram(batch: Int)

    public var description: String {
        switch self {
        case .sameMemory: "same-memory"
        case .dram(let b): "dram-batch\(b)"
        }
    }

    /// What the scenario assumes, in a sentence for reports.
    public var assumption: String {
        switch self {
        case .sameMemory:
            "weights resident in on-chip SRAM at the crossbars' per-byte read cost; everything else as on the spiking chip"
        case .dram(let b):
            b == 1 ? "weights streamed from DRAM every token (batch 1), through a 1 MB-class SRAM buffer"
                : "weights streamed from DRAM once per batch of \(b) tokens, amortised over the batch"
        }
    }
}
