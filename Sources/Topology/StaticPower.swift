/// Where a chip's static (leakage and idle) power comes from.
public enum StaticPower: Sendable, Hashable, CustomStringConvertible {
    /// A figure stated in the topology (a measured chip's idle power), in mW per chip.
    case stated(milliwatts: Figure)
    /// The leakage of the chip's SRAM bits and logic area at its node (`topologies/technology.yaml`),
    /// computed per chip by the mapping's silicon budget, the same way as for the dense baselines.
    case derived

    public var description: String {
        switch self {
        case .stated(let mw): "stated, \(YAMLCursor.format(mw.value)) mW per chip"
        case .derived: "derived from SRAM and logic leakage at the node"
        }
    }
}

extension Topology {
    /// The same chip priced at another node: every energy figure (and a stated static power)
    /// multiplied by Stillmaker & Baas's energy factor from this topology's node and voltage to
    /// `target`; derived static power follows from the target node's leakage. Latencies are kept:
    /// the study compares energies at equal timing.
    public func scaled(to target: TechnologyPoint) -> Topology {
        let f = technology.energyFactor(to: target)
        var t = self
        t.scaledFrom = scaledFrom ?? technology
        t.technology = target
        func s(_ c: OpCost) -> OpCost { OpCost(picojoules: c.energy.picojoules * f, nanoseconds: c.latency.nanoseconds) }
        t.chipLink = s(chipLink); t.hopEastWest = s(hopEastWest); t.hopNorthSouth = s(hopNorthSouth)
        t.synapticOp = s(synapticOp); t.neuronUpdate = s(neuronUpdate); t.spikeOut = s(spikeOut)
        t.neuronIdle = s(neuronIdle); t.neuronFire = s(neuronFire)
        t.weightReadPicojoulesPerByte = weightReadPicojoulesPerByte * f
        var fu = functionUnit
        fu.add = s(fu.add); fu.multiply = s(fu.multiply); fu.exp = s(fu.exp); fu.divide = s(fu.divide); fu.rsqrt = s(fu.rsqrt)
        fu.compare = s(fu.compare); fu.memoryRead = s(fu.memoryRead); fu.memoryWrite = s(fu.memoryWrite)
        t.functionUnit = fu
        if case .stated(let mw) = staticPower { t.staticPower = .stated(milliwatts: mw.scaled(by: f)) }
        t.figures = figures.mapValues { $0.scaled(by: f) }
        return t
    }
}
