import Foundation
import ModelShapes
import Topology

/// Shared by the test targets that run the chip: small boards and models whose numbers tests derive by hand.
public enum Fixtures {
    /// The repository (for the shipped topologies and tables).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The LLM board shrunk to 2×2 chips of 8×8 cores with 32×32 crossbars, with `edits` applied to its YAML.
    public static func smallBoard(_ edits: [(String, String)] = []) throws -> Topology {
        var yaml = try String(contentsOf: root.appendingPathComponent("topologies/spikechip-llm.yaml"), encoding: .utf8)
        for (a, b) in [("chips: {x: 2, y: 4}", "chips: {x: 2, y: 2}"), ("mesh: {x: 64, y: 64}", "mesh: {x: 8, y: 8}"),
                       ("axons: 512", "axons: 32"), ("neurons: 512", "neurons: 32")] + edits {
            yaml = yaml.replacingOccurrences(of: a, with: b)
        }
        return try Topology.parse(yaml: yaml, file: "small")
    }

    /// Two layers, hidden 96, FFN 160, four heads of 24, two KV heads.
    public static let tiny = ModelSpec(name: "tiny", architecture: "llama", layers: 2, hidden: 96, ffn: 160, heads: 4, kvHeads: 2,
                                       vocabulary: 200, contextLength: 512, tiedEmbeddings: false)
}
