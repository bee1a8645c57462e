import Mapping
import Topology

/// What the dense accelerator takes from the spiking chip so that a comparison holds it equal:
/// the node (area and leakage figures), the on-chip SRAM's per-byte read cost, and the function
/// units (their operation costs, their memory for the KV cache and state, their lanes).
public struct SharedHardware: Sendable {
    public var technology: TechnologyPoint
    public var library: TechnologyLibrary
    /// Reading one byte of on-chip SRAM of the crossbars' bank size, pJ.
    public var localSRAMPerByte: Figure
    public var functionUnit: FunctionUnitSpec
    /// Range factors of the function units' operations and of their memory (from the topology's figures).
    public var functionUnitOpFactors: (low: Double, high: Double)
    public var functionUnitMemoryFactors: (low: Double, high: Double)
    /// Function units the spiking mapping uses: the dense chip holds as many, with their memory and lanes.
    public var functionUnits: Int

    public init(technology: TechnologyPoint, library: TechnologyLibrary, localSRAMPerByte: Figure, functionUnit: FunctionUnitSpec,
                functionUnitOpFactors: (low: Double, high: Double) = (1, 1), functionUnitMemoryFactors: (low: Double, high: Double) = (1, 1),
                functionUnits: Int) {
        self.technology = technology; self.library = library; self.localSRAMPerByte = localSRAMPerByte; self.functionUnit = functionUnit
        self.functionUnitOpFactors = functionUnitOpFactors; self.functionUnitMemoryFactors = functionUnitMemoryFactors
        self.functionUnits = functionUnits
    }

    /// The hardware of `mapping`'s topology (already at the comparison's node).
    public init(mapping m: ChipMapping) {
        let t = m.topology
        let ops = ["add", "multiply", "exp", "divide", "rsqrt", "compare"].map { "function_unit.ops.\($0).energy_pj" }
        let mem = ["memory_read_byte", "memory_write_byte"].map { "function_unit.ops.\($0).energy_pj" }
        self.init(technology: t.technology, library: t.library,
                  localSRAMPerByte: t.figures["core.weight_read_pj_per_byte"] ?? Figure(t.weightReadPicojoulesPerByte),
                  functionUnit: t.functionUnit, functionUnitOpFactors: t.rangeFactors(ops), functionUnitMemoryFactors: t.rangeFactors(mem),
                  functionUnits: m.stages.count)
    }
}
