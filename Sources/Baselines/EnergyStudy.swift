import Foundation

/// Spiking versus dense FP16 and INT8, per dense scenario, at three levels of completeness,
/// with ranges and break-even points.
///
/// 1. **Arithmetic only**: synaptic accumulates × the accumulate energy against projection MACs
///    × MAC energy: the style of SpikingBrain's "97.7% less than FP16". The same in every scenario.
/// 2. **Arithmetic + memory**: the chip's synaptic operations (weight read + accumulate), neuron
///    updates and KV-cache/state memory against MACs, weight fetch, activations and KV cache.
/// 3. **Whole system**: everything on both sides: routing, chip crossings, function units,
///    control, static power over each side's own token time.
public struct EnergyStudy: Sendable {
    /// One level of one scenario.
    public struct Level: Sendable {
        public var number: Int
        public var name: String
        public var spiking: [EnergyTerm]
        public var fp16: [EnergyTerm]
        public var int8: [EnergyTerm]
        public var tokens: Int

        public var spikingPJ: Double { spiking.picojoules }
        public var fp16PJ: Double { fp16.picojoules }
        public var int8PJ: Double { int8.picojoules }
        public func densePJ(_ p: DensePrecision) -> Double { p == .fp16 ? fp16PJ : int8PJ }
        func dense(_ p: DensePrecision) -> [EnergyTerm] { p == .fp16 ? fp16 : int8 }

        /// 100 × (1 − spiking / dense): the "x% less than" of the papers (negative when spiking costs more).
        public var percentLessThanFP16: Double { 100 * (1 - spikingPJ / fp16PJ) }
        public var percentLessThanINT8: Double { 100 * (1 - spikingPJ / int8PJ) }
        /// dense / spiking: "n× less energy".
        public var factorVersusFP16: Double { fp16PJ / spikingPJ }
        public var factorVersusINT8: Double { int8PJ / spikingPJ }

        /// Each side's total with every figure at its low and at its high end.
        public var spikingRange: ClosedRange<Double> { spiking.total(high: false)...spiking.total(high: true) }
        public func denseRange(_ p: DensePrecision) -> ClosedRange<Double> { dense(p).total(high: false)...dense(p).total(high: true) }

        /// Dense / spiking with each key alone at its ends, widest first: the bars of a tornado chart.
        public func sensitivity(_ p: DensePrecision) -> [Sensitivity] {
            let d = dense(p)
            return spiking.keys.union(d.keys).sorted().map { key -> Sensitivity in
                func ratio(_ high: Bool) -> Double {
                    func total(_ terms: [EnergyTerm]) -> Double { terms.reduce(0) { $0 + ($1.key == key ? $1.at(high: high) : $1.picojoules) } }
                    return total(d) / total(spiking)
                }
                return Sensitivity(key: key, ratioAtLow: ratio(false), ratioAtHigh: ratio(true))
            }.filter { $0.span > 0 }.sorted { $0.span > $1.span }
        }

        /// The range of dense / spiking: figures of one side only move independently (each to the end
        /// that widens the ratio); figures both sides share move together, every combination of their
        /// ends tried (a ratio of sums is monotone in each figure, so its extremes lie at those corners).
        public func factorRange(_ p: DensePrecision) -> ClosedRange<Double> {
            let d = dense(p)
            let shared = Array(spiking.keys.intersection(d.keys)).sorted()
            var lo = Double.infinity, hi = -Double.infinity
            for corner in 0..<(1 << shared.count) {
                let high = Set(shared.enumerated().filter { corner & (1 << $0.offset) != 0 }.map(\.element))
                func end(_ key: String, maximise: Bool, dense: Bool) -> Bool {
                    shared.contains(key) ? high.contains(key) : (dense == maximise)
                }
                hi = max(hi, d.total { end($0, maximise: true, dense: true) } / spiking.total { end($0, maximise: true, dense: false) })
                lo = min(lo, d.total { end($0, maximise: false, dense: true) } / spiking.total { end($0, maximise: false, dense: false) })
            }
            return lo...hi
        }
    }

    /// How far dense / spiking moves when one figure (a key) alone goes to its low and to its high end.
    public struct Sensitivity: Sendable {
        public var key: String
        public var ratioAtLow: Double
        public var ratioAtHigh: Double
        public var span: Double { abs(ratioAtHigh - ratioAtLow) }
    }

    /// The three levels against one dense scenario.
    public struct Scenario: Sendable {
        public var scenario: DenseScenario
        public var levels: [Level]
        public var fp16: DenseBaseline.Result
        public var int8: DenseBaseline.Result
        /// Projection MACs per token (the dense side's work).
        public var macsPerToken: Double
    }

    /// The spikes per activation (weighted by fan-out: synaptic operations per projection MAC) at which
    /// the spiking side's energy equals a dense precision's.
    public struct BreakEven: Sendable {
        public var scenario: DenseScenario
        public var level: Int
        public var versus: DensePrecision
        /// nil: no spike rate gets there (the spiking side's costs that do not scale with spikes
        /// already exceed the dense side's).
        public var spikesPerActivation: Double?
        /// The same as spikes per neuron and step.
        public var firingRatePerStep: Double?
    }

    public var scenarios: [Scenario]
    public var breakEven: [BreakEven]
    /// The smallest batch at which the DRAM-streaming dense accelerator spends no more per token
    /// than the spiking chip at level 3 (nil: not up to 65,536).
    public var breakEvenBatch: [DensePrecision: Int?]

    /// Components of each level.
    static let spikingLevel2: Set<String> = ["synaptic_op", "neuron_update", "memory"]
    static let denseLevel2: Set<String> = ["mac", "weight_fetch", "activation", "kv_cache"]
    static let names = ["arithmetic only", "arithmetic + memory", "whole system"]

    /// Level 1 from synaptic accumulates and projection MACs (also SpikingBrain's own claim).
    public static func level1(synapticOps: Double, macs: Double, table: BaselineTable, tokens: Int) -> Level {
        func mac(_ p: DensePrecision) -> [EnergyTerm] {
            let m = table.precision(p).mac
            return [EnergyTerm(component: "mac", picojoules: macs * m.value, lowFactor: m.lowFactor, highFactor: m.highFactor, key: "dense.mac.\(p)")]
        }
        let a = table.accumulate
        return Level(number: 1, name: names[0],
                     spiking: [EnergyTerm(component: "synaptic_op", picojoules: synapticOps * a.value, lowFactor: a.lowFactor, highFactor: a.highFactor, key: "spiking.accumulate")],
                     fp16: mac(.fp16), int8: mac(.int8), tokens: tokens)
    }

    /// The study of one run. `timeSteps` converts break-even spikes per activation into a per-step firing rate.
    public init(spiking: SpikingSide, dense: DenseBaseline, contexts: [Int], scenarios: [DenseScenario], timeSteps: Int) throws {
        guard contexts.count == spiking.tokens, spiking.tokens > 0 else {
            throw BaselineError.invalidArgument("the baselines cover \(contexts.count) tokens but the spiking run \(spiking.tokens); compare the very same tokens (at least one)")
        }
        let tokens = spiking.tokens
        var out: [Scenario] = []
        for sc in scenarios {
            let fp16 = try dense.energy(.fp16, scenario: sc, contexts: contexts)
            let int8 = try dense.energy(.int8, scenario: sc, contexts: contexts)
            let l1 = Self.level1(synapticOps: spiking.synapticOps, macs: fp16.operations(.mac), table: dense.table, tokens: tokens)
            let l2 = Level(number: 2, name: Self.names[1], spiking: spiking.terms.filtered(Self.spikingLevel2),
                           fp16: fp16.terms.filtered(Self.denseLevel2), int8: int8.terms.filtered(Self.denseLevel2), tokens: tokens)
            let l3 = Level(number: 3, name: Self.names[2], spiking: spiking.terms, fp16: fp16.terms, int8: int8.terms, tokens: tokens)
            out.append(Scenario(scenario: sc, levels: [l1, l2, l3], fp16: fp16, int8: int8, macsPerToken: dense.macsPerToken))
        }
        self.scenarios = out
        // Break-even: energy = fixed + (s / s0) × proportional, with s0 the spikes per activation the run's
        // synaptic operations imply (weighted by fan-out, as energy sees them): synaptic ops / projection MACs.
        let s0 = spiking.synapticOps / (dense.macsPerToken * Double(tokens))
        var even: [BreakEven] = []
        for sc in out {
            for level in sc.levels {
                let proportional: Double
                if level.number == 1 {
                    proportional = level.spikingPJ
                } else {
                    proportional = level.spiking.reduce(0) { acc, t in
                        switch t.component {
                        case "synaptic_op": acc + t.picojoules
                        case "spike_out", "router_hop", "chip_crossing": acc + t.picojoules * spiking.spikeShareOfPackets
                        default: acc
                        }
                    }
                }
                let fixed = level.spikingPJ - proportional
                for p in DensePrecision.allCases {
                    var s: Double?
                    if s0 > 0, proportional > 0, level.densePJ(p) > fixed { s = s0 * (level.densePJ(p) - fixed) / proportional }
                    even.append(BreakEven(scenario: sc.scenario, level: level.number, versus: p, spikesPerActivation: s,
                                          firingRatePerStep: s.map { $0 / Double(max(timeSteps, 1)) }))
                }
            }
        }
        breakEven = even
        var batches: [DensePrecision: Int?] = [:]
        let spikingPJ = spiking.terms.picojoules
        for p in DensePrecision.allCases {
            // Dense energy per token falls with the batch: find the first batch at or under the chip's.
            func densePJ(_ b: Int) throws -> Double { try dense.energy(p, scenario: .dram(batch: b), contexts: contexts).totalPicojoules }
            var found: Int?
            if try densePJ(65536) <= spikingPJ {
                var lo = 1, hi = 65536
                if try densePJ(1) <= spikingPJ { hi = 1 }
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if try densePJ(mid) <= spikingPJ { hi = mid } else { lo = mid + 1 }
                }
                found = hi
            }
            batches[p] = found
        }
        breakEvenBatch = batches
    }

    public func scenario(_ s: DenseScenario) -> Scenario? { scenarios.first { $0.scenario == s } }
}
