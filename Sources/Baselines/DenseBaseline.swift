import Engine
import ModelShapes
import Topology

/// What a dense accelerator spends to decode the same tokens of the same model, per scenario.
///
/// An action-count × energy-per-action model (in the spirit of Accelergy): MACs of every mapped
/// projection (and of the LM head when it is mapped); the weights read once per token (batch 1)
/// or once per batch from where the scenario keeps them; every projection's input and output
/// read and written once in on-chip SRAM; the model's element-wise work, attention and KV cache
/// (`OperationCounts`, the very counts the spiking chip's function units are charged for) on the
/// same function units; and static power (leakage of its SRAM bits and logic at the node, DRAM
/// background power when weights live in DRAM) over the time the token takes on a MAC array
/// of the table's throughput.
public struct DenseBaseline: Sendable {
    /// Components, as stored in the `baseline` table.
    public enum Component: String, Sendable, CaseIterable {
        case mac, weightFetch = "weight_fetch", activation, kvCache = "kv_cache", functionUnit = "function_unit", staticPower = "static"
    }

    /// One precision in one scenario over a set of tokens.
    public struct Result: Sendable {
        public var precision: DensePrecision
        public var scenario: DenseScenario
        public var tokens: Int
        public var terms: [EnergyTerm]
        /// Operations per component (MACs, bytes, function-unit operations, nanoseconds × chips for static).
        public var operations: [Component: Double]
        /// Time to produce one token (a batch's time for batched scenarios), ns.
        public var latencyNanoseconds: Double
        /// Static power of the accelerator (and its DRAM), mW.
        public var staticMilliwatts: Figure
        /// Silicon area of the accelerator, mm².
        public var squareMillimetres: Double

        public func picojoules(_ components: Set<Component>) -> Double { terms.picojoules(Set(components.map(\.rawValue))) }
        public var totalPicojoules: Double { terms.picojoules }
        public func operations(_ c: Component) -> Double { operations[c] ?? 0 }
    }

    public let model: ModelSpec
    /// Layers of the model on the chip, and whether the LM head is: the dense side does exactly this work.
    public let layers: Int
    public let head: Bool
    public let table: BaselineTable
    public let shared: SharedHardware
    /// Tokens that share one read of each resident weight in the same-memory scenario: 1 when decoding
    /// (each token a matrix-vector product), a prompt's length in a prefill, which the dense accelerator
    /// runs as one matrix-matrix product.
    public var weightReuse = 1

    public init(model: ModelSpec, layers: Int, head: Bool, table: BaselineTable, shared: SharedHardware) throws {
        guard (0...model.layers).contains(layers), layers > 0 || head, model.shapeProblem == nil else {
            throw BaselineError.invalidArgument("model \(model.name): \(layers) of \(model.layers) layers\(head ? " and the LM head" : ""); "
                + (model.shapeProblem ?? "the work must be 0…\(model.layers) layers, and at least one layer or the head"))
        }
        self.model = model; self.layers = layers; self.head = head; self.table = table; self.shared = shared
    }

    /// Projection MACs of one token: every weight of the mapped layers, and the LM head's.
    public var macsPerToken: Double { Double(layers * model.parametersPerLayer + (head ? model.hidden * model.vocabulary : 0)) }

    /// Input and output values of every mapped projection for one token.
    public var activationValuesPerToken: Double {
        let perLayer = ModelSpec.Projection.allCases.reduce(0) { let s = model.shape(of: $1); return $0 + s.inputs + s.outputs }
        return Double(layers * perLayer + (head ? model.hidden + model.vocabulary : 0))
    }

    /// Energy of decoding tokens at the given context lengths (one entry per token: the
    /// positions it attends to, itself included).
    public func energy(_ precision: DensePrecision, scenario: DenseScenario, contexts: [Int]) throws -> Result {
        if let bad = contexts.first(where: { $0 < 1 }) {
            throw BaselineError.invalidArgument("context length \(bad) is invalid; every token attends to at least itself (1)")
        }
        if case .dram(let b) = scenario, b < 1 {
            throw BaselineError.invalidArgument("--batch must be at least 1, got \(b)")
        }
        let p = table.precision(precision)
        let tokens = Double(contexts.count)
        let fu = shared.functionUnit
        var work = OperationCounts()
        var fuNanoseconds = 0.0
        for c in contexts {
            let w = OperationCounts.token(model, layers: layers, head: head, position: c - 1)
            work += w
            fuNanoseconds += w.latency(on: fu).nanoseconds
        }
        let macs = macsPerToken * tokens
        let weightBytes = macsPerToken * p.bytesPerValue
        let activationBytes = activationValuesPerToken * p.bytesPerValue * tokens
        let local = shared.localSRAMPerByte
        var terms: [EnergyTerm] = [
            EnergyTerm(component: "mac", picojoules: macs * p.macPJ, lowFactor: p.mac.lowFactor, highFactor: p.mac.highFactor, key: "dense.mac.\(precision)"),
            EnergyTerm(component: "activation", picojoules: activationBytes * local.value, lowFactor: local.lowFactor, highFactor: local.highFactor, key: "sram.local"),
        ]
        let fuOps: [(Int, OpCost)] = [(work.adds, fu.add), (work.multiplies, fu.multiply), (work.exps, fu.exp), (work.divides, fu.divide),
                                      (work.rsqrts, fu.rsqrt), (work.compares, fu.compare)]
        terms.append(EnergyTerm(component: "function_unit", picojoules: fuOps.reduce(0) { $0 + Double($1.0) * $1.1.energy.picojoules },
                                lowFactor: shared.functionUnitOpFactors.low, highFactor: shared.functionUnitOpFactors.high, key: "fu.ops"))
        terms.append(EnergyTerm(component: "kv_cache",
                                picojoules: Double(work.bytesRead) * fu.memoryRead.energy.picojoules + Double(work.bytesWritten) * fu.memoryWrite.energy.picojoules,
                                lowFactor: shared.functionUnitMemoryFactors.low, highFactor: shared.functionUnitMemoryFactors.high, key: "fu.memory"))

        // Silicon: the MAC array and the function units (as many as the spiking chip's, with their memory),
        // plus the weights when they are resident.
        let lib = shared.library, node = shared.technology.node
        let scale = node.logicAreaScale * 1e-6
        let macArea = Double(table.macUnits) * (precision == .fp16 ? lib.fp16MACSquareMicrons45 : lib.int8MACSquareMicrons45) * scale
        let fuArea = Double(shared.functionUnits * fu.lanes) * lib.fp16MACSquareMicrons45 * scale
        var sramBits = Double(shared.functionUnits * fu.memoryBytes) * 8
        let batch: Double
        let streamedBytesPerBatch: Double
        switch scenario {
        case .sameMemory:
            batch = Double(weightReuse); streamedBytesPerBatch = 0
            sramBits += weightBytes * 8
            terms.append(EnergyTerm(component: "weight_fetch", picojoules: weightBytes * tokens / batch * local.value,
                                    lowFactor: local.lowFactor, highFactor: local.highFactor, key: "sram.local"))
        case .dram(let b):
            batch = Double(b); streamedBytesPerBatch = weightBytes
            let bytes = weightBytes * tokens / batch
            terms.append(EnergyTerm(component: "weight_fetch", picojoules: bytes * table.dramReadPerByte.value,
                                    lowFactor: table.dramReadPerByte.lowFactor, highFactor: table.dramReadPerByte.highFactor, key: "dram.read"))
            terms.append(EnergyTerm(component: "weight_fetch", picojoules: bytes * table.bufferPerByte.value,
                                    lowFactor: table.bufferPerByte.lowFactor, highFactor: table.bufferPerByte.highFactor, key: "dense.buffer"))
        }
        let sramArea = node.sramSquareMillimetres(bits: sramBits, arrayEfficiency: lib.sramArrayEfficiency)
        let leakage = node.leakageMilliwatts(sramBits: sramBits, logicSquareMillimetres: Figure(macArea + fuArea))
        let sramLeakage = node.sramLeakagePicowattsPerBit.scaled(by: sramBits * 1e-9)
        let logicLeakage = node.logicLeakageMilliwattsPerSquareMillimetre.scaled(by: macArea + fuArea)
        // A batch's time: the MAC array or the DRAM stream, whichever is slower, then the function units' work.
        let batchNanoseconds = max(batch * macsPerToken / table.macsPerNanosecond, streamedBytesPerBatch / table.dramBytesPerNanosecond)
            + batch * fuNanoseconds / tokens
        let seconds = batchNanoseconds * tokens / batch // simulated ns over all tokens
        for (part, key) in [(sramLeakage, "leakage.sram"), (logicLeakage, "leakage.logic")] {
            terms.append(EnergyTerm(component: "static", picojoules: part.value * seconds, lowFactor: part.lowFactor,
                                    highFactor: part.highFactor, key: key))
        }
        var staticPower = leakage
        if case .dram = scenario {
            let gib = weightBytes / Double(1 << 30)
            let background = table.dramBackgroundPerGiB.scaled(by: gib)
            terms.append(EnergyTerm(component: "static", picojoules: background.value * seconds, lowFactor: background.lowFactor,
                                    highFactor: background.highFactor, key: "dram.background"))
            staticPower = Figure(value: leakage.value + background.value, low: leakage.low + background.low, high: leakage.high + background.high)
        }
        let ops: [Component: Double] = [
            .mac: macs, .weightFetch: weightBytes * tokens / batch, .activation: activationBytes,
            .kvCache: Double(work.bytesRead + work.bytesWritten), .functionUnit: Double(fuOps.reduce(0) { $0 + $1.0 }), .staticPower: seconds,
        ]
        return Result(precision: precision, scenario: scenario, tokens: contexts.count, terms: terms, operations: ops,
                      latencyNanoseconds: batchNanoseconds, staticMilliwatts: staticPower, squareMillimetres: sramArea + macArea + fuArea)
    }
}
