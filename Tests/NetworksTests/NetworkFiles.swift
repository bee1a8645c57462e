import Foundation

/// Writes network files and input spikes the way `tools/nir/nir2spikechip.py` and `numpy.save` do, so
/// that tests can build small graphs by hand.
enum NetworkFiles {
    struct Node {
        var name: String
        var type: String
        var size: Int
        /// Parameter name → (shape, values).
        var params: [String: ([Int], [Float])] = [:]
        /// Integer parameters (SparseLinear's row, col and shape), written as I32.
        var ints: [String: [Int32]] = [:]
    }

    /// A SparseLinear node of `size` outputs and `inputs` inputs with the given synapses.
    static func sparse(_ name: String, size: Int, inputs: Int, _ synapses: [(row: Int32, col: Int32, weight: Float)]) -> Node {
        Node(name: name, type: "SparseLinear", size: size, params: ["weight": ([synapses.count], synapses.map(\.weight))],
             ints: ["row": synapses.map(\.row), "col": synapses.map(\.col), "shape": [Int32(size), Int32(inputs)]])
    }

    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("spikechip-networks-\(getpid())-\(name)").path
    }

    /// A safetensors file with the graph in its metadata.
    static func write(_ nodes: [Node], edges: [(String, String)], to path: String) throws {
        var header: [String: Any] = [:]
        var data = Data()
        var graphNodes: [[String: Any]] = []
        for n in nodes {
            var names: [String: String] = [:]
            for (p, (shape, values)) in n.params.sorted(by: { $0.key < $1.key }) {
                let tensor = "\(n.name).\(p)"
                names[p] = tensor
                let start = data.count
                for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
                header[tensor] = ["dtype": "F32", "shape": shape, "data_offsets": [start, data.count]]
            }
            for (p, values) in n.ints.sorted(by: { $0.key < $1.key }) {
                let tensor = "\(n.name).\(p)"
                names[p] = tensor
                let start = data.count
                for v in values { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
                header[tensor] = ["dtype": "I32", "shape": [values.count], "data_offsets": [start, data.count]]
            }
            graphNodes.append(["name": n.name, "type": n.type, "size": n.size, "params": names])
        }
        let graph = try JSONSerialization.data(withJSONObject: ["nodes": graphNodes, "edges": edges.map { [$0.0, $0.1] }], options: [.sortedKeys])
        header["__metadata__"] = ["format": "spikechip-network", "version": "1", "graph": String(decoding: graph, as: UTF8.self)]
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json); file.append(data)
        try file.write(to: URL(fileURLWithPath: path))
    }

    /// A bool .npy array [steps, n] with the given spikes (step, input index).
    static func writeSpikes(steps: Int, inputs n: Int, _ spikes: [(Int, Int)], to path: String) throws {
        var dict = "{'descr': '|b1', 'fortran_order': False, 'shape': (\(steps), \(n)), }"
        while (10 + dict.utf8.count + 1) % 64 != 0 { dict += " " }
        dict += "\n"
        var file = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(dict.utf8.count & 0xFF), UInt8(dict.utf8.count >> 8)])
        file.append(Data(dict.utf8))
        var body = [UInt8](repeating: 0, count: steps * n)
        for (t, i) in spikes { body[t * n + i] = 1 }
        file.append(contentsOf: body)
        try file.write(to: URL(fileURLWithPath: path))
    }

    /// An uncompressed .npz (numpy.savez's layout: one stored zip member per array) of `members` (name → .npy bytes);
    /// `method` 8 marks them deflated without deflating, and `statedSize` puts that uncompressed size in a ZIP64
    /// extra field, for the refusals.
    static func writeNPZ(_ members: [(String, Data)], method: UInt16 = 0, statedSize: UInt64? = nil, to path: String) throws {
        var file = Data()
        func le<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { file.append(contentsOf: $0) } }
        for (name, bytes) in members {
            le(UInt32(0x0403_4B50)); le(UInt16(20)); le(UInt16(0)); le(method); le(UInt16(0)); le(UInt16(0)); le(UInt32(0))
            if let statedSize {
                le(UInt32.max); le(UInt32.max); le(UInt16(name.utf8.count)); le(UInt16(20))
                file.append(Data(name.utf8))
                le(UInt16(1)); le(UInt16(16)); le(statedSize); le(UInt64(bytes.count))
            } else {
                le(UInt32(bytes.count)); le(UInt32(bytes.count)); le(UInt16(name.utf8.count)); le(UInt16(0))
                file.append(Data(name.utf8))
            }
            file.append(bytes)
        }
        try file.write(to: URL(fileURLWithPath: path))
    }

    /// Parameters of an IF population of `n` neurons whose membrane gains exactly its input per step at dt = 0.1 ms.
    static func integrateAndFire(_ name: String, _ n: Int, threshold: Float) -> Node {
        Node(name: name, type: "IF", size: n, params: ["r": ([n], Array(repeating: 10_000, count: n)),
                                                        "v_threshold": ([n], Array(repeating: threshold, count: n)),
                                                        "v_reset": ([n], Array(repeating: 0, count: n))])
    }
}
