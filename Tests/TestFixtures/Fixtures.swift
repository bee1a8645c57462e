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

    /// A board with round, distinct prices (east-west 1 pJ, north-south 1000 pJ, chip link 10^6 pJ; synaptic op 3,
    /// neuron update 5, spike out 7 pJ) whose every total a test can derive by hand.
    public static func handPricedBoard(chips: (x: Int, y: Int) = (1, 1), mesh: (x: Int, y: Int) = (6, 6), fanOut: FanOut = .multicast,
                       routing: RoutingAlgorithm = .xy, linkBitsPerNs: Double = 32, tick: Bool = true) throws -> Topology {
        let yaml = """
        name: hand
        description: hand-derived prices
        technology: {node_nm: 45, voltage_v: 0.9, source: "test"}
        system:
          chips: {x: \(chips.x), y: \(chips.y)}
          chip_link: {energy_pj: 1000000, latency_ns: 20, bits_per_ns: 8}
        chip:
          mesh: {x: \(mesh.x), y: \(mesh.y)}
          static_power_mw: 0
        sync: \(tick ? "{mode: global_tick, tick_ns: 100000}" : "{mode: completion_markers}")
        router:
          fanout: \(fanOut.rawValue)
          routing: \(routing.rawValue)
          hop:
            east_west: {energy_pj: 1, latency_ns: 4}
            north_south: {energy_pj: 1000, latency_ns: 6}
          link_bits_per_ns: \(linkBitsPerNs)
          buffer_packets: 0
          spike_packet_bits: 32
          graded_packet_bits: 256
          graded_value_bits: 16
        core:
          axons: 32
          neurons: 32
          weights: {format: int, bits: 8}
          synaptic_op: {energy_pj: 3, latency_ns: 1}
          weight_read_pj_per_byte: 1
          membrane_bits: 32
          synapse_lanes: 64
          neuron_update: {energy_pj: 5, latency_ns: 1}
          neuron_lanes: 16
          spike_out: {energy_pj: 7, latency_ns: 2}
        function_unit:
          precision: fp16
          lanes: 64
          memory_bytes: 16777216
          ops:
            add: {energy_pj: 0.5, latency_ns: 1}
            multiply: {energy_pj: 2, latency_ns: 1}
            exp: {energy_pj: 16, latency_ns: 10}
            divide: {energy_pj: 32, latency_ns: 10}
            rsqrt: {energy_pj: 64, latency_ns: 10}
            compare: {energy_pj: 0.25, latency_ns: 1}
            memory_read_byte: {energy_pj: 8, latency_ns: 0.015625}
            memory_write_byte: {energy_pj: 8, latency_ns: 0.015625}
        """
        return try Topology.parse(yaml: yaml, file: "hand")
    }
}
