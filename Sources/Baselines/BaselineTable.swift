import Foundation
import Yams

/// The energy table of the dense FP16 and INT8 accelerators, read from YAML.
///
/// The numbers are data, not code, so that a study can swap Horowitz's 45 nm figures for
/// another node or memory system and cite its source next to each value.
public struct BaselineTable: Sendable, Equatable {
    /// Arithmetic and data width of one precision.
    public struct Precision: Sendable, Equatable, Decodable {
        public var bytesPerValue: Double
        public var multiplyPJ: Double
        public var addPJ: Double
        /// One multiply-accumulate.
        public var macPJ: Double
        /// One element-wise non-linear operation (norm, SiLU, softmax, RoPE step).
        public var nonlinearOpPJ: Double

        public init(bytesPerValue: Double, multiplyPJ: Double, addPJ: Double, macPJ: Double, nonlinearOpPJ: Double) {
            self.bytesPerValue = bytesPerValue; self.multiplyPJ = multiplyPJ; self.addPJ = addPJ
            self.macPJ = macPJ; self.nonlinearOpPJ = nonlinearOpPJ
        }

        enum CodingKeys: String, CodingKey {
            case bytesPerValue = "bytes_per_value", multiplyPJ = "multiply_pj", addPJ = "add_pj", macPJ = "mac_pj"
            case nonlinearOpPJ = "nonlinear_op_pj"
        }
    }

    /// The memory levels each kind of data passes through per token.
    public struct Hierarchy: Sendable, Equatable, Decodable {
        public var weights: [String]
        public var activations: [String]
        public var kvCache: [String]
        public init(weights: [String], activations: [String], kvCache: [String]) {
            self.weights = weights; self.activations = activations; self.kvCache = kvCache
        }
        enum CodingKeys: String, CodingKey { case weights, activations, kvCache = "kv_cache" }
    }

    public var name: String
    public var fp16: Precision
    public var int8: Precision
    /// Energy of one synaptic accumulate on the spiking side (level-1 arithmetic).
    public var accumulatePJ: Double
    /// Energy of one 64-bit access, per memory name.
    public var memories: [String: Double]
    public var hierarchies: [String: Hierarchy]
    public var defaultHierarchy: String

    /// A table built in code (e.g. from a paper's stated assumptions); validated like a file.
    public init(name: String, fp16: Precision, int8: Precision, accumulatePJ: Double, memories: [String: Double],
                hierarchies: [String: Hierarchy], defaultHierarchy: String) throws {
        self.name = name; self.fp16 = fp16; self.int8 = int8; self.accumulatePJ = accumulatePJ
        self.memories = memories; self.hierarchies = hierarchies; self.defaultHierarchy = defaultHierarchy
        try validate(source: name)
    }

    /// Parses and validates a table; `source` names the text in error messages.
    public init(yaml: String, source: String = "baselines.yaml") throws {
        struct File: Decodable {
            struct Spiking: Decodable {
                var accumulatePJ: Double
                enum CodingKeys: String, CodingKey { case accumulatePJ = "accumulate_pj" }
            }
            var name: String
            var precisions: [String: Precision]
            var spiking: Spiking
            var memories: [String: Double]
            var hierarchies: [String: Hierarchy]
            var defaultHierarchy: String
            enum CodingKeys: String, CodingKey {
                case name, precisions, spiking, memories, hierarchies, defaultHierarchy = "default_hierarchy"
            }
        }
        let file: File
        do { file = try YAMLDecoder().decode(File.self, from: yaml) } catch {
            throw BaselineError.malformedTable(source: source, detail: String(describing: error))
        }
        guard let fp16 = file.precisions["fp16"], let int8 = file.precisions["int8"] else {
            throw BaselineError.invalidTable(source: source, detail: "precisions must define both fp16 and int8")
        }
        self.name = file.name; self.fp16 = fp16; self.int8 = int8; accumulatePJ = file.spiking.accumulatePJ
        memories = file.memories; hierarchies = file.hierarchies; defaultHierarchy = file.defaultHierarchy
        try validate(source: source)
    }

    /// Loads `topologies/baselines.yaml` (or another file).
    public init(contentsOf url: URL) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw BaselineError.invalidArgument("cannot read baseline table \(url.path): \(error.localizedDescription)")
        }
        try self.init(yaml: text, source: url.lastPathComponent)
    }

    public func precision(_ p: DensePrecision) -> Precision { p == .fp16 ? fp16 : int8 }

    /// The named hierarchy, or the default one.
    public func hierarchy(_ name: String? = nil) throws -> Hierarchy {
        let key = name ?? defaultHierarchy
        guard let h = hierarchies[key] else {
            throw BaselineError.invalidArgument(
                "no memory hierarchy '\(key)' in table \(self.name); choose one of \(hierarchies.keys.sorted().joined(separator: ", "))")
        }
        return h
    }

    /// Energy of moving `bytes` through `levels`: one 64-bit access per 8 bytes at each level.
    func transferPJ(bytes: Double, levels: [String]) -> Double {
        levels.reduce(0) { $0 + (memories[$1] ?? 0) } * bytes / 8
    }

    private func validate(source: String) throws {
        for (label, p) in [("fp16", fp16), ("int8", int8)] {
            let values = [p.bytesPerValue, p.multiplyPJ, p.addPJ, p.macPJ, p.nonlinearOpPJ]
            guard values.allSatisfy({ $0.isFinite && $0 >= 0 }), p.bytesPerValue > 0 else {
                throw BaselineError.invalidTable(source: source, detail: "precision \(label) has a negative, zero-width or non-finite value")
            }
        }
        guard accumulatePJ.isFinite && accumulatePJ >= 0 else {
            throw BaselineError.invalidTable(source: source, detail: "spiking.accumulate_pj must be a non-negative number")
        }
        for (name, pj) in memories where !(pj.isFinite && pj >= 0) {
            throw BaselineError.invalidTable(source: source, detail: "memory \(name) has energy \(pj); it must be a non-negative number")
        }
        for (name, h) in hierarchies {
            for level in h.weights + h.activations + h.kvCache where memories[level] == nil {
                throw BaselineError.invalidTable(source: source,
                                                 detail: "hierarchy \(name) uses memory '\(level)', which `memories` does not define")
            }
        }
        guard hierarchies[defaultHierarchy] != nil else {
            throw BaselineError.invalidTable(source: source, detail: "default_hierarchy '\(defaultHierarchy)' is not among the hierarchies")
        }
    }
}

/// The two dense precisions compared against.
public enum DensePrecision: String, Sendable, CaseIterable {
    case fp16, int8
}
