import Foundation
import Models

/// A spiking network as written by `tools/nir/nir2spikechip.py`: the nodes and edges of a NIR
/// graph (subgraphs flattened, convolutions expanded to dense `Affine` nodes) in one safetensors
/// file. The graph is JSON in the `graph` metadata entry; every parameter is an F32 tensor named
/// `<node>.<param>`, per-neuron parameters broadcast to the node's size.
///
/// Reading validates everything a run relies on (types, sizes, finite values, edges naming
/// nodes), so that `SpikingNetwork` can compose the graph without further checks.
public struct NetworkGraph: Sendable {
    /// The NIR node types SpikeChip runs, with NIR's names.
    public enum NodeType: String, Sendable, CaseIterable {
        case input = "Input", output = "Output"
        case affine = "Affine", linear = "Linear", scale = "Scale", delay = "Delay"
        /// SpikeChip's own: a sparse Linear (NIR's Linear is dense), W[row[k], col[k]] = weight[k], shape [size, inputs].
        case sparseLinear = "SparseLinear"
        case integrateAndFire = "IF", lif = "LIF", cubaLIF = "CubaLIF", threshold = "Threshold"
        /// SpikeChip's own: the TrueNorth neuron (Cassidy et al. 2013) with integer state and
        /// parameters named as there; see `NeuronDynamics`.
        case trueNorth = "TrueNorth"

        /// The parameters each type carries (NIR's names); those in `defaults` may be absent.
        var parameters: [String] {
            switch self {
            case .input, .output: []
            case .affine: ["weight", "bias"]
            case .linear: ["weight"]
            case .sparseLinear: ["row", "col", "weight", "shape"]
            case .scale: ["scale"]
            case .delay: ["delay"]
            case .integrateAndFire: ["r", "v_threshold", "v_reset", "reset_mode", "refractory"]
            case .lif: ["tau", "r", "v_leak", "v_threshold", "v_reset", "reset_mode", "refractory"]
            case .cubaLIF: ["tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in", "reset_mode", "refractory"]
            case .threshold: ["threshold"]
            case .trueNorth: ["alpha"] + Self.trueNorthDefaults.keys.sorted()
            }
        }

        /// Values of the parameters a node may leave out, broadcast to its size.
        var defaults: [String: Float] {
            switch self {
            case .trueNorth: Self.trueNorthDefaults
            // SpikeChip's own, as NIR has neither: reset_mode 0 resets to v_reset, 1 subtracts
            // v_threshold from the next step's membrane (snnTorch's default reset); refractory is a
            // period in seconds after a spike during which the neuron is held (Brian2's `refractory`).
            case .integrateAndFire, .lif, .cubaLIF: ["reset_mode": 0, "refractory": 0]
            default: [:]
            }
        }

        /// TrueNorth's optional parameters and their defaults: no leak, negative threshold 0,
        /// deterministic threshold and synapses, reset to 0, saturation at −β, seed 0.
        static let trueNorthDefaults: [String: Float] = [
            "leak": 0, "leak_reversal": 0, "stochastic_leak": 0, "beta": 0, "threshold_mask_bits": 0,
            "reset": 0, "reset_value": 0, "negative_saturation": 1, "seed": 0, "stochastic_synapses": 0,
        ]

        /// Whether the node holds neurons that spike (a population on the chip).
        public var spikes: Bool { [.integrateAndFire, .lif, .cubaLIF, .threshold, .trueNorth].contains(self) }
    }

    public struct Node: Sendable {
        public let name: String
        public let type: NodeType
        /// Output elements (neurons of a spiking node).
        public let size: Int
        /// Parameters by NIR name; `weight` is row-major [size × inputs].
        public let parameters: [String: ContiguousArray<Float>]
        /// Input width of `Affine`/`Linear`/`SparseLinear` (columns of `weight`).
        public let inputs: Int?
        /// The weights of a `SparseLinear`.
        public let sparse: SparseMatrix?
    }

    public let nodes: [Node]
    public let edges: [(from: Int, to: Int)]
    /// The file read.
    public let path: String
    /// Largest node: 2^24 neurons. Largest weight tensor: 2^28 elements (1 GiB of F32).
    public static let maxNodeSize = 1 << 24
    public static let maxWeights = 1 << 28

    public init(path: String) throws {
        let file: SafetensorsFile
        do { file = try SafetensorsFile(path: path) } catch {
            throw NetworkError.unreadable("\(path): not a SpikeChip network file (\(error)); convert a NIR graph with `spikechip import MODEL.nir`")
        }
        guard file.metadata["format"] == "spikechip-network", let text = file.metadata["graph"] else {
            throw NetworkError.unreadable("\(path): a safetensors file without a SpikeChip network graph (metadata format = spikechip-network); convert a NIR graph with `spikechip import MODEL.nir`")
        }
        guard file.metadata["version"] == "1" else {
            throw NetworkError.unreadable("\(path): network format version \(file.metadata["version"] ?? "?"), this SpikeChip reads version 1")
        }
        guard let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let nodeList = json["nodes"] as? [[String: Any]], let edgeList = json["edges"] as? [[Any]] else {
            throw NetworkError.invalidGraph("\(path): the graph metadata is not JSON with `nodes` and `edges` lists")
        }
        var unsupported: [String] = []
        var nodes: [Node] = []
        var index: [String: Int] = [:]
        for entry in nodeList {
            guard let name = entry["name"] as? String, let typeName = entry["type"] as? String, let size = entry["size"] as? Int else {
                throw NetworkError.invalidGraph("\(path): a node lacks name, type or size: \(entry)")
            }
            guard index[name] == nil else { throw NetworkError.invalidGraph("\(path): two nodes are named '\(name)'") }
            guard let type = NodeType(rawValue: typeName) else { unsupported.append("\(name) (\(typeName))"); continue }
            guard (1...Self.maxNodeSize).contains(size) else {
                throw NetworkError.invalidGraph("\(path): node '\(name)' has size \(size); sizes run from 1 to \(Self.maxNodeSize)")
            }
            let names = entry["params"] as? [String: String] ?? [:]
            var parameters: [String: ContiguousArray<Float>] = [:]
            var inputs: Int?
            var sparse: SparseMatrix?
            if type == .sparseLinear {
                sparse = try Self.readSparse(file, names, node: name, size: size, path: path)
                inputs = sparse?.columns
            } else {
                for p in type.parameters {
                    if names[p] == nil, let value = type.defaults[p] {
                        parameters[p] = ContiguousArray(repeating: value, count: size)
                        continue
                    }
                    guard let tensorName = names[p], let tensor = file.tensors[tensorName] else {
                        throw NetworkError.invalidGraph("\(path): \(typeName) node '\(name)' lacks its '\(p)' tensor")
                    }
                    if p == "weight" {
                        guard tensor.shape.count == 2, tensor.shape[0] == size, tensor.elementCount <= Self.maxWeights else {
                            throw NetworkError.invalidGraph("\(path): weight of '\(name)' has shape \(tensor.shape); expected [\(size), inputs] with at most \(Self.maxWeights) elements")
                        }
                        inputs = tensor.shape[1]
                    } else {
                        guard tensor.elementCount == size else {
                            throw NetworkError.invalidGraph("\(path): '\(p)' of '\(name)' has \(tensor.elementCount) values for \(size) neurons")
                        }
                    }
                    parameters[p] = try Self.floats(file, tensorName, p, node: name, path: path)
                }
            }
            try Self.checkRanges(type, name: name, parameters, path: path)
            if let extra = names.keys.sorted().first(where: { !type.parameters.contains($0) && type != .sparseLinear }) {
                throw NetworkError.invalidGraph("\(path): \(typeName) node '\(name)' has a parameter '\(extra)' this type does not take (it takes \(type.parameters.joined(separator: ", ")))")
            }
            index[name] = nodes.count
            nodes.append(Node(name: name, type: type, size: size, parameters: parameters, inputs: inputs, sparse: sparse))
        }
        guard unsupported.isEmpty else { throw NetworkError.unsupportedNodes(unsupported) }
        var edges: [(from: Int, to: Int)] = []
        for e in edgeList {
            guard e.count == 2, let a = e[0] as? String, let b = e[1] as? String else {
                throw NetworkError.invalidGraph("\(path): an edge is not a [from, to] pair of names: \(e)")
            }
            guard let from = index[a], let to = index[b] else {
                throw NetworkError.invalidGraph("\(path): edge \(a) → \(b) names a node the graph does not have")
            }
            guard nodes[from].type != .output, nodes[to].type != .input else {
                throw NetworkError.invalidGraph("\(path): edge \(a) → \(b) leaves an Output or enters an Input")
            }
            edges.append((from, to))
        }
        guard nodes.contains(where: { $0.type == .input }) else { throw NetworkError.invalidGraph("\(path): the graph has no Input node") }
        self.nodes = nodes; self.edges = edges; self.path = path
    }

    static func floats(_ file: SafetensorsFile, _ tensor: String, _ p: String, node: String, path: String) throws -> ContiguousArray<Float> {
        let values: ContiguousArray<Float>
        do { values = try file.floats(tensor) } catch {
            throw NetworkError.invalidGraph("\(path): '\(p)' of '\(node)': \(error)")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw NetworkError.invalidGraph("\(path): '\(p)' of '\(node)' is \(values[bad]) at element \(bad); parameters must be finite")
        }
        return values
    }

    /// A SparseLinear's triplets: every index inside its shape, as many rows and columns as weights.
    static func readSparse(_ file: SafetensorsFile, _ names: [String: String], node: String, size: Int, path: String) throws -> SparseMatrix {
        func ints(_ p: String) throws -> ContiguousArray<Int32> {
            guard let t = names[p], file.tensors[t] != nil else { throw NetworkError.invalidGraph("\(path): SparseLinear node '\(node)' lacks its '\(p)' tensor") }
            do { return try file.int32s(t) } catch { throw NetworkError.invalidGraph("\(path): '\(p)' of '\(node)': \(error)") }
        }
        let shape = try ints("shape"), row = try ints("row"), col = try ints("col")
        guard let wName = names["weight"], file.tensors[wName] != nil else { throw NetworkError.invalidGraph("\(path): SparseLinear node '\(node)' lacks its 'weight' tensor") }
        let weight = try floats(file, wName, "weight", node: node, path: path)
        guard shape.count == 2, Int(shape[0]) == size, (1...maxNodeSize).contains(Int(shape[1])) else {
            throw NetworkError.invalidGraph("\(path): shape of '\(node)' is \(Array(shape)); expected [\(size), inputs] with 1 to \(maxNodeSize) inputs")
        }
        guard row.count == weight.count, col.count == weight.count, weight.count <= maxWeights else {
            throw NetworkError.invalidGraph("\(path): '\(node)' has \(row.count) rows, \(col.count) columns and \(weight.count) weights; they must be as many, at most \(maxWeights)")
        }
        if let bad = row.indices.first(where: { row[$0] < 0 || Int(row[$0]) >= size || col[$0] < 0 || col[$0] >= shape[1] }) {
            throw NetworkError.invalidGraph("\(path): synapse \(bad) of '\(node)' joins input \(col[bad]) to neuron \(row[bad]), outside its shape \(Array(shape))")
        }
        return SparseMatrix(rows: size, columns: Int(shape[1]), triplets: row.indices.map { (row[$0], col[$0], Double(weight[$0])) })
    }

    /// Ranges NIR implies: positive time constants, a reset below the threshold.
    static func checkRanges(_ type: NodeType, name: String, _ p: [String: ContiguousArray<Float>], path: String) throws {
        for key in ["tau", "tau_syn", "tau_mem"] {
            if let values = p[key], let bad = values.firstIndex(where: { $0 <= 0 }) {
                throw NetworkError.invalidGraph("\(path): '\(key)' of '\(name)' is \(values[bad]) at neuron \(bad); time constants must be > 0 s")
            }
        }
        if let r = p["refractory"], let bad = r.firstIndex(where: { $0 < 0 }) {
            throw NetworkError.invalidGraph("\(path): refractory of '\(name)' is \(r[bad]) s at neuron \(bad); refractory periods must be ≥ 0")
        }
        if let d = p["delay"], let bad = d.firstIndex(where: { $0 < 0 }) {
            throw NetworkError.invalidGraph("\(path): delay of '\(name)' is \(d[bad]) s at element \(bad); delays must be ≥ 0")
        }
        if let mode = p["reset_mode"], let bad = mode.firstIndex(where: { $0 != 0 && $0 != 1 }) {
            throw NetworkError.invalidGraph("\(path): reset_mode of '\(name)' is \(mode[bad]) at neuron \(bad); it is 0 (reset to v_reset) or 1 (subtract v_threshold)")
        }
        if let th = p["v_threshold"], let reset = p["v_reset"], let bad = th.indices.first(where: { reset[$0] >= th[$0] }) {
            throw NetworkError.invalidGraph("\(path): v_reset \(reset[bad]) is not below v_threshold \(th[bad]) at neuron \(bad) of '\(name)'")
        }
        if type == .trueNorth {
            // The hardware's register widths (Cassidy et al. 2013): 9-bit signed leak, 19-bit
            // thresholds, a 20-bit signed membrane; flags are bits.
            let membrane = Float(NeuronDynamics.trueNorthMembrane.upperBound)
            let ranges: [(String, ClosedRange<Float>)] = [
                ("alpha", 1...membrane), ("beta", 0...membrane), ("leak", -255...255), ("threshold_mask_bits", 0...17),
                ("reset", 0...2), ("reset_value", -membrane - 1...membrane), ("leak_reversal", 0...1),
                ("stochastic_leak", 0...1), ("negative_saturation", 0...1), ("seed", 0...Float(1 << 24)), ("stochastic_synapses", 0...1),
            ]
            for (key, range) in ranges {
                if let values = p[key], let bad = values.firstIndex(where: { !range.contains($0) || $0.rounded() != $0 }) {
                    throw NetworkError.invalidGraph("\(path): '\(key)' of TrueNorth node '\(name)' is \(values[bad]) at neuron \(bad); it takes whole numbers in \(Int(range.lowerBound))...\(Int(range.upperBound))")
                }
            }
        }
    }
}

extension NetworkGraph.Node {
    /// A population's node built in code (benchmarks, tools), checked as a file's node is:
    /// every parameter of its type given (or defaulted), one finite value per neuron, in range.
    public init(population name: String, type: NetworkGraph.NodeType, size: Int, parameters given: [String: ContiguousArray<Float>]) throws {
        guard type.spikes, (1...NetworkGraph.maxNodeSize).contains(size) else {
            throw NetworkError.invalidGraph("'\(name)': a population node needs a neuron type and 1 to \(NetworkGraph.maxNodeSize) neurons")
        }
        var parameters: [String: ContiguousArray<Float>] = [:]
        for p in type.parameters {
            guard let values = given[p] ?? type.defaults[p].map({ ContiguousArray(repeating: $0, count: size) }) else {
                throw NetworkError.invalidGraph("\(type.rawValue) node '\(name)' lacks its '\(p)' parameter")
            }
            guard values.count == size, values.allSatisfy(\.isFinite) else {
                throw NetworkError.invalidGraph("'\(p)' of '\(name)' needs \(size) finite values")
            }
            parameters[p] = values
        }
        if let extra = given.keys.sorted().first(where: { parameters[$0] == nil }) {
            throw NetworkError.invalidGraph("\(type.rawValue) node '\(name)' does not take a parameter '\(extra)'")
        }
        try NetworkGraph.checkRanges(type, name: name, parameters, path: "(built in code)")
        self.init(name: name, type: type, size: size, parameters: parameters, inputs: nil, sparse: nil)
    }
}
