import Energy
import Foundation

/// The spiking chip's side of the comparison: what the simulation measured.
public struct SpikingSide: Sendable, Equatable {
    /// Synaptic accumulate operations (the ledger's `synapticOp` count: synapses touched).
    public var synapticOps: Double
    /// Simulated energy per kind in pJ, indexed by `EnergyKind.rawValue`.
    public var picojoulesByKind: [Double]
    /// Tokens the figures cover.
    public var tokens: Int

    public init(synapticOps: Double, picojoulesByKind: [Double], tokens: Int) {
        precondition(picojoulesByKind.count == EnergyKind.allCases.count, "one energy per EnergyKind")
        self.synapticOps = synapticOps; self.picojoulesByKind = picojoulesByKind; self.tokens = tokens
    }

    /// The figures of a run's ledger.
    public init(ledger: EnergyLedger, tokens: Int) {
        self.init(synapticOps: Double(ledger.count(.synapticOp)), picojoulesByKind: ledger.byKind.map(\.picojoules), tokens: tokens)
    }

    public func picojoules(_ kind: EnergyKind) -> Double { picojoulesByKind[Int(kind.rawValue)] }
}

/// Spiking versus dense FP16 and INT8 at three levels of completeness.
///
/// Published spiking-LLM claims stop at level 1; the simulator exists to show levels 2 and 3.
/// 1. **Arithmetic only**: synaptic accumulates × the table's AC energy versus the projection
///    MACs × MAC energy — the style of SpikingBrain's "97.7% less than FP16".
/// 2. **Arithmetic + memory**: the chip's simulated cost of the synaptic work, neuron state
///    and memory traffic (`synapticOp` + `neuronUpdate` + `memory`: the topology's per-event
///    energies include crossbar and membrane memory; `memory` is KV cache, recurrent state
///    and embeddings) versus projection MACs + weight fetch + activation traffic.
/// 3. **Whole system**: the run's total (routing, chip crossings, function units, control,
///    static power over the simulated time) versus every dense component including
///    attention, KV cache and non-linear operations. The dense side has no static power:
///    this favours the dense baseline.
public struct ThreeLevelComparison: Sendable {
    /// One level: energies over all the tokens, and how much less the spiking side spends.
    public struct Level: Sendable, Equatable {
        public var number: Int
        public var name: String
        public var spikingPJ: Double
        public var fp16PJ: Double
        public var int8PJ: Double
        public var tokens: Int

        /// 100 × (1 − spiking / dense): the "x% less than" of the papers (negative when spiking costs more).
        public var percentLessThanFP16: Double { 100 * (1 - spikingPJ / fp16PJ) }
        public var percentLessThanINT8: Double { 100 * (1 - spikingPJ / int8PJ) }
        /// dense / spiking: "n× less energy".
        public var factorVersusFP16: Double { fp16PJ / spikingPJ }
        public var factorVersusINT8: Double { int8PJ / spikingPJ }
        public var spikingPJPerToken: Double { tokens > 0 ? spikingPJ / Double(tokens) : 0 }
    }

    public let levels: [Level]

    init(levels: [Level]) { self.levels = levels }

    public init(spiking: SpikingSide, fp16: DenseBaseline.Result, int8: DenseBaseline.Result, table: BaselineTable) throws {
        guard fp16.precision == .fp16, int8.precision == .int8 else {
            throw BaselineError.invalidArgument("pass the FP16 result as fp16 and the INT8 result as int8")
        }
        guard fp16.tokens == spiking.tokens, int8.tokens == spiking.tokens else {
            throw BaselineError.invalidArgument(
                "the baselines cover \(fp16.tokens)/\(int8.tokens) tokens but the spiking run \(spiking.tokens); compare the very same tokens")
        }
        let arithmetic: Set<DenseBaseline.Component> = [.projectionMACs]
        let memory: Set<DenseBaseline.Component> = [.projectionMACs, .weightFetch, .activations]
        let all = Set(DenseBaseline.Component.allCases)
        let tokens = spiking.tokens
        self.init(levels: [
            Level(number: 1, name: "arithmetic only", spikingPJ: spiking.synapticOps * table.accumulatePJ,
                  fp16PJ: fp16.picojoules(arithmetic), int8PJ: int8.picojoules(arithmetic), tokens: tokens),
            Level(number: 2, name: "arithmetic + memory",
                  spikingPJ: spiking.picojoules(.synapticOp) + spiking.picojoules(.neuronUpdate) + spiking.picojoules(.memory),
                  fp16PJ: fp16.picojoules(memory), int8PJ: int8.picojoules(memory), tokens: tokens),
            Level(number: 3, name: "whole system", spikingPJ: spiking.picojoulesByKind.reduce(0, +),
                  fp16PJ: fp16.picojoules(all), int8PJ: int8.picojoules(all), tokens: tokens),
        ])
    }
}

extension ThreeLevelComparison {
    /// The lines `spikechip run` prints at the end: energy per token and the three levels'
    /// "% less than" figures, level 1 labelled as the published style of claim.
    public func summaryText() -> String {
        levels.map { l in
            String(format: "  level %d %-20@ %@ / token spiking vs %@ FP16, %@ INT8: %.1f%% less than FP16 (%.2f×), %.1f%% less than INT8 (%.2f×)",
                   l.number, l.name as NSString, Energy.format(picojoules: l.spikingPJPerToken) as NSString,
                   Energy.format(picojoules: l.fp16PJ / Double(max(l.tokens, 1))) as NSString,
                   Energy.format(picojoules: l.int8PJ / Double(max(l.tokens, 1))) as NSString,
                   l.percentLessThanFP16, l.factorVersusFP16, l.percentLessThanINT8, l.factorVersusINT8)
        }.joined(separator: "\n")
    }
}
