import Energy
import Engine
import Mapping
import Topology

/// The spiking chip's side of a comparison: what the simulation measured, as priced terms.
public struct SpikingSide: Sendable {
    /// Synaptic accumulates (the ledger's `synapticOp` count: synapses touched).
    public var synapticOps: Double
    /// The run's energy as terms, one component per `EnergyKind` name (synaptic_op split into the
    /// weight read, priced like the dense side's SRAM, and the accumulate).
    public var terms: [EnergyTerm]
    public var tokens: Int
    /// Spikes emitted per encoder neuron and token, measured.
    public var spikesPerActivation: Double
    /// Of the packets that travel (spikes, graded partial sums, markers), the share that are spikes:
    /// the part of routing energy that scales with the spike count.
    public var spikeShareOfPackets: Double

    public init(synapticOps: Double, terms: [EnergyTerm], tokens: Int, spikesPerActivation: Double, spikeShareOfPackets: Double) {
        self.synapticOps = synapticOps; self.terms = terms; self.tokens = tokens
        self.spikesPerActivation = spikesPerActivation; self.spikeShareOfPackets = spikeShareOfPackets
    }

    /// The figures of a run of `mapping` (its topology already at the comparison's node) on `silicon`
    /// (`mapping.siliconBudget()`, whose leakage the run's static power is).
    public init(result r: RunResult, mapping m: ChipMapping, silicon budget: SiliconBudget) {
        let t = m.topology
        let figures = t.figures
        func term(_ kind: EnergyKind, _ keys: [String], key: String) -> EnergyTerm {
            let (lo, hi) = t.rangeFactors(keys)
            return EnergyTerm(component: kind.name, picojoules: r.ledger.energy(kind).picojoules, lowFactor: lo, highFactor: hi, key: key)
        }
        let hops = ["router.hop.east_west.energy_pj", "router.hop.north_south.energy_pj"]
        let fuOps = ["add", "multiply", "exp", "divide", "rsqrt", "compare"].map { "function_unit.ops.\($0).energy_pj" }
        let fuMemory = ["memory_read_byte", "memory_write_byte"].map { "function_unit.ops.\($0).energy_pj" }
        // The weight read inside every synaptic operation is the same SRAM read the dense side pays per byte.
        let synapses = Double(r.ledger.count(.synapticOp))
        let read = figures["core.weight_read_pj_per_byte"] ?? Figure(t.weightReadPicojoulesPerByte)
        let readPJ = min(synapses * Double(t.weights.bits) / 8 * read.value, r.ledger.energy(.synapticOp).picojoules)
        var terms = [
            EnergyTerm(component: EnergyKind.synapticOp.name, picojoules: readPJ, lowFactor: read.lowFactor, highFactor: read.highFactor, key: "sram.local"),
            EnergyTerm(component: EnergyKind.synapticOp.name, picojoules: r.ledger.energy(.synapticOp).picojoules - readPJ, key: "spiking.accumulate"),
            term(.neuronUpdate, ["core.neuron_update.energy_pj"], key: "spiking.neuron_update"),
            term(.spikeOut, ["core.spike_out.energy_pj"], key: "spiking.spike_out"),
            term(.routerHop, hops, key: "spiking.router_hop"),
            term(.chipCrossing, ["system.chip_link.energy_pj"], key: "spiking.chip_link"),
            term(.functionUnitOp, fuOps, key: "fu.ops"),
            term(.control, ["core.spike_out.energy_pj", "system.chip_link.energy_pj"] + hops, key: "spiking.control"),
            term(.memory, fuMemory, key: "fu.memory"),
        ]
        let staticPJ = r.ledger.energy(.staticIdle).picojoules
        switch t.staticPower {
        case .derived:
            // SRAM and logic leak through different figures, and the two sides mix them differently.
            let node = t.technology.node
            let sram = staticPJ * budget.sramShareOfStatic
            let logicFactors = budget.logicLeakageFactors
            terms.append(EnergyTerm(component: EnergyKind.staticIdle.name, picojoules: sram, lowFactor: node.sramLeakagePicowattsPerBit.lowFactor,
                                    highFactor: node.sramLeakagePicowattsPerBit.highFactor, key: "leakage.sram"))
            terms.append(EnergyTerm(component: EnergyKind.staticIdle.name, picojoules: staticPJ - sram, lowFactor: logicFactors.low,
                                    highFactor: logicFactors.high, key: "leakage.logic"))
        case .stated(let mw):
            terms.append(EnergyTerm(component: EnergyKind.staticIdle.name, picojoules: staticPJ, lowFactor: mw.lowFactor, highFactor: mw.highFactor, key: "spiking.static"))
        }
        let packets = Double(r.traffic.spikes + r.traffic.gradedPackets + r.traffic.partialSumSpikes) + Double(r.traffic.markers)
        self.init(synapticOps: synapses, terms: terms, tokens: r.tokensDone,
                  spikesPerActivation: r.spikeStatistics.spikesPerActivation,
                  spikeShareOfPackets: packets > 0 ? Double(r.traffic.spikes) / packets : 0)
    }
}

