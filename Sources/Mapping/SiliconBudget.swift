import Topology

/// Area and leakage of the silicon a mapping runs on, from the technology node's figures
/// (`topologies/technology.yaml`): SRAM bitcells of every crossbar, membrane and function-unit
/// memory, the logic of synapse and neuron lanes, routers and function-unit lanes.
///
/// A chip is powered when it hosts a mapped core (the others are taken as power-gated); a
/// powered chip leaks through all of its cores, used or not. The dense baselines price their
/// own SRAM and logic with the same per-bit and per-mm² figures.
public struct SiliconBudget: Sendable, Hashable {
    public struct Chip: Sendable, Hashable {
        public var index: Int
        public var powered: Bool
        public var functionUnits: Int
        /// SRAM bits: crossbars and membranes of every core, plus the memory of the function units on it.
        public var sramBits: Double
        public var sramSquareMillimetres: Double
        /// Logic area in mm² (range: the router's).
        public var logicSquareMillimetres: Figure
        /// Static power in mW: stated, or SRAM and logic leakage (zero when not powered).
        public var staticMilliwatts: Figure
        /// The part of `staticMilliwatts` that is SRAM leakage (derived power only; 0 when stated).
        public var sramLeakageMilliwatts: Double
        public var squareMillimetres: Double { sramSquareMillimetres + logicSquareMillimetres.value }
    }

    public var chips: [Chip]
    public var reticleSquareMillimetres: Double
    public var technology: TechnologyPoint

    public var squareMillimetres: Double { chips.reduce(0) { $0 + $1.squareMillimetres } }
    /// Area of the powered chips: the silicon the mapping needs (a design's area in a sweep).
    public var poweredSquareMillimetres: Double { chips.filter(\.powered).reduce(0) { $0 + $1.squareMillimetres } }
    public var sramBits: Double { chips.reduce(0) { $0 + $1.sramBits } }
    /// Share of the powered chips' static power that is SRAM leakage (the rest is logic, or a stated figure).
    public var sramShareOfStatic: Double {
        let total = staticMilliwatts.value
        return total > 0 ? chips.filter(\.powered).reduce(0) { $0 + $1.sramLeakageMilliwatts } / total : 0
    }
    /// How far the powered chips' logic leakage moves (leakage per mm² and logic area, the router's range, together).
    public var logicLeakageFactors: (low: Double, high: Double) {
        let leak = technology.node.logicLeakageMilliwattsPerSquareMillimetre
        let chips = chips.filter(\.powered)
        let area = Figure(value: chips.reduce(0) { $0 + $1.logicSquareMillimetres.value }, low: chips.reduce(0) { $0 + $1.logicSquareMillimetres.low },
                          high: chips.reduce(0) { $0 + $1.logicSquareMillimetres.high })
        return (leak.lowFactor * area.lowFactor, leak.highFactor * area.highFactor)
    }

    /// Static power of the powered chips, mW.
    public var staticMilliwatts: Figure {
        let p = chips.filter(\.powered).map(\.staticMilliwatts)
        return Figure(value: p.reduce(0) { $0 + $1.value }, low: p.reduce(0) { $0 + $1.low }, high: p.reduce(0) { $0 + $1.high })
    }
    /// Chips larger than one lithography field: wafer-scale integration or a reticle-stitched die would be needed.
    public var chipsOverReticle: [Chip] { chips.filter { $0.squareMillimetres > reticleSquareMillimetres } }
}

extension TechnologyNode {
    /// Leakage of `bits` of SRAM and `logic` mm² of logic, mW, with the range of both figures.
    public func leakageMilliwatts(sramBits bits: Double, logicSquareMillimetres logic: Figure) -> Figure {
        let s = sramLeakagePicowattsPerBit, l = logicLeakageMilliwattsPerSquareMillimetre
        return Figure(value: bits * s.value * 1e-9 + logic.value * l.value,
                      low: bits * s.low * 1e-9 + logic.low * l.low, high: bits * s.high * 1e-9 + logic.high * l.high)
    }

    /// Area of `bits` of SRAM in mm².
    public func sramSquareMillimetres(bits: Double, arrayEfficiency: Double) -> Double {
        bits * sramBitcellSquareMicrons / arrayEfficiency * 1e-6
    }
}

extension ChipMapping {
    /// The board's silicon at the topology's node.
    public func siliconBudget() -> SiliconBudget {
        let t = topology
        var functionUnits = [Int](repeating: 0, count: t.chipCount)
        var powered = [Bool](repeating: false, count: t.chipCount)
        for core in tileOfCore.indices {
            let chip = t.chip(of: core)
            if stageOfCore[core] >= 0 { functionUnits[chip] += 1 }
            if tileOfCore[core] >= 0 || stageOfCore[core] >= 0 || splitterGroupOfCore[core] >= 0 { powered[chip] = true }
        }
        return SiliconBudget(topology: t, functionUnits: functionUnits, powered: powered)
    }
}

extension SiliconBudget {
    /// The silicon of `t`'s board with `functionUnits` on each chip; chips not `powered` host
    /// nothing and are taken as power-gated (no static power).
    public init(topology t: Topology, functionUnits: [Int], powered: [Bool]) {
        let lib = t.library, node = t.technology.node
        let scale = node.logicAreaScale * 1e-6 // µm² at 45 nm → mm² at the node
        let coreSRAM = Double(t.axons * t.neurons * t.weights.bits + t.neurons * t.membraneBits)
        let coreLogic = Double(t.synapseLanes + 2 * t.neuronLanes) * lib.int32AddSquareMicrons45 * scale
        let router = lib.routerSquareMicrons45.scaled(by: scale)
        let fuLogic = Double(t.functionUnit.lanes) * lib.fp16MACSquareMicrons45 * scale
        let fuSRAM = Double(t.functionUnit.memoryBytes) * 8
        let cores = Double(t.coresPerChip)
        let chips = (0..<t.chipCount).map { i -> SiliconBudget.Chip in
            let fus = Double(functionUnits[i])
            let bits = cores * coreSRAM + fus * fuSRAM
            let logicValue = cores * coreLogic + fus * fuLogic
            let logic = Figure(value: logicValue + cores * router.value, low: logicValue + cores * router.low, high: logicValue + cores * router.high)
            var power = Figure(0), sramLeak = 0.0
            if powered[i] {
                if case .stated(let mw) = t.staticPower {
                    power = mw
                } else {
                    power = node.leakageMilliwatts(sramBits: bits, logicSquareMillimetres: logic)
                    sramLeak = bits * node.sramLeakagePicowattsPerBit.value * 1e-9
                }
            }
            return .init(index: i, powered: powered[i], functionUnits: functionUnits[i], sramBits: bits,
                         sramSquareMillimetres: node.sramSquareMillimetres(bits: bits, arrayEfficiency: lib.sramArrayEfficiency),
                         logicSquareMillimetres: logic, staticMilliwatts: power, sramLeakageMilliwatts: sramLeak)
        }
        self.init(chips: chips, reticleSquareMillimetres: lib.reticleSquareMillimetres, technology: t.technology)
    }
}
