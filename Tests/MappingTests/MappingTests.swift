import Foundation
import ModelShapes
import Testing
@testable import Mapping
@testable import Topology

private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private func topology(_ name: String, _ edits: [(String, String)] = []) throws -> Topology {
    var yaml = try String(contentsOf: root.appendingPathComponent("topologies/\(name).yaml"), encoding: .utf8)
    for (a, b) in edits { yaml = yaml.replacingOccurrences(of: a, with: b) }
    return try Topology.parse(yaml: yaml, file: name)
}

let tinySpec = ModelSpec(name: "tiny", architecture: "llama", layers: 2, hidden: 96, ffn: 160, heads: 4, kvHeads: 2,
                         vocabulary: 200, contextLength: 512, tiedEmbeddings: false)

@Suite("Mapping")
struct MappingTests {
    @Test("the 7B spec cuts into the tiles its shapes need and fits the LLM board")
    func sevenB() throws {
        let m = try ChipMapping(spec: .spikingBrain7B, topology: try topology("spikechip-llm"))
        let s = m.summary()
        // 512x512 cores: q,o 7x7; k,v 7x1; gate,up 7x37; down 37x7 = 889 tiles per layer, LM head 7x297.
        #expect(m.tiles.count == 28 * 889 + 7 * 297)
        #expect(s.functionUnits == 28 * 4 + 2)
        #expect(s.coresUsed == m.tiles.count + s.functionUnits)
        #expect(s.coresPerLayer.prefix(28).allSatisfy { $0 == 893 })
        let q = try #require(m.projections.first { $0.name == "q" })
        #expect(q.rowBlocks == 7 && q.colBlocks == 7 && q.slices == 1)
        let down = try #require(m.projections.first { $0.name == "down" })
        #expect(down.rowBlocks == 37 && down.colBlocks == 7)
        #expect(Set(m.tiles.map(\.core)).count == m.tiles.count)
    }

    @Test("--layers 0 maps the LM head alone; with no head there is nothing to map, and that is an error")
    func headOnly() throws {
        let board = try topology("spikechip-llm")
        let head = try ChipMapping(spec: tinySpec, topology: board, options: MappingOptions(includeLMHead: true, layers: 0))
        #expect(head.layers == 0 && head.projections.map(\.name) == ["lm_head"])
        #expect(throws: MappingError.self) { try ChipMapping(spec: tinySpec, topology: board, options: MappingOptions(includeLMHead: false, layers: 0)) }
    }

    @Test("silicon budget: SRAM bits and area from the topology and its node, by hand")
    func siliconBudget() throws {
        let board = try topology("spikechip-llm", [("chips: {x: 2, y: 4}", "chips: {x: 1, y: 1}"), ("mesh: {x: 64, y: 64}", "mesh: {x: 4, y: 4}"),
                                                   ("axons: 512", "axons: 32"), ("neurons: 512", "neurons: 32")])
        let m = try ChipMapping(spec: ModelSpec(name: "t", architecture: "llama", layers: 1, hidden: 32, ffn: 32, heads: 2, kvHeads: 1,
                                                vocabulary: 32, contextLength: 64, tiedEmbeddings: false), topology: board)
        let chip = try #require(m.siliconBudget().chips.first)
        // 16 cores × (32 × 32 × 8 synapse bits + 32 × 32 membrane bits) + one 16 MiB function unit per stage on the chip.
        let fus = m.stages.count
        #expect(chip.functionUnits == fus)
        let bits = 16.0 * (32 * 32 * 8 + 32 * 32) + Double(fus) * 16_777_216 * 8
        #expect(chip.sramBits == bits)
        // Intel 45 nm's 0.346 µm² bitcell at 70% array efficiency.
        #expect(abs(chip.sramSquareMillimetres - bits * 0.346 / 0.7 * 1e-6) < 1e-9)
        // Leakage: 2.4 pW per bit and 0.15 mW per mm² of logic: (64 + 2×16) 32-bit adders of 137 µm² and a 50,000 µm² router
        // per core, 64 FP16 lanes of 3,000 µm² per function unit.
        let logic = (16 * ((64 + 32) * 137 + 50_000) + Double(fus) * 64 * 3000) * 1e-6
        #expect(abs(chip.logicSquareMillimetres.value - logic) < 1e-9)
        #expect(abs(chip.staticMilliwatts.value - (bits * 2.4e-9 + logic * 0.15)) < 1e-9)
    }

    @Test("a model that does not fit says how many cores and chips it needs")
    func doesNotFit() throws {
        let t = try topology("truenorth")
        #expect(throws: MappingError.self) { try ChipMapping(spec: .spikingBrain7B, topology: try topology("loihi")) }
        do {
            _ = try ChipMapping(spec: tinySpec, topology: try topology("loihi", [("  mesh: {x: 8, y: 16}", "  mesh: {x: 2, y: 2}")]))
            Issue.record("mapped onto 4 cores")
        } catch let e as MappingError {
            guard case let .doesNotFit(needed, available, _, _, chips) = e else { Issue.record("\(e)"); return }
            #expect(available == 4 && needed > 4 && chips == (needed + 3) / 4)
            #expect(e.description.contains("needs \(needed) cores"))
        }
        _ = t
    }

    @Test("every multicast tree delivers exactly to its group's tiles along mesh links", arguments: [Placement.locality, .sequential])
    func trees(placement: Placement) throws {
        let t = try topology("spikechip-llm", [("chips: {x: 2, y: 4}", "chips: {x: 2, y: 2}"), ("mesh: {x: 64, y: 64}", "mesh: {x: 8, y: 8}"),
                                                ("axons: 512", "axons: 32"), ("neurons: 512", "neurons: 32")])
        let m = try ChipMapping(spec: tinySpec, topology: t, options: MappingOptions(placement: placement))
        for g in m.groups {
            var delivered = Set<UInt32>(), stack = [g.treeRoot], nodes = 0
            #expect(Int(m.routeNodes[g.treeRoot].router) == m.stages[g.stage].functionUnit)
            while let i = stack.popLast() {
                nodes += 1
                let n = m.routeNodes[i]
                if n.deliver { delivered.insert(n.router) }
                for c in Int(n.firstChild)..<(Int(n.firstChild) + Int(n.childCount)) {
                    #expect(m.topology.meshRouting.distance(from: Int(n.router), to: Int(m.routeNodes[c].router)) == 1)
                    stack.append(c)
                }
            }
            #expect(delivered == Set(g.destinations.map { m.destinations[$0] }))
            #expect(Int(m.routeNodes[g.treeRoot].deliveries) == g.destinations.count)
        }
    }

    @Test("locality placement keeps spikes closer than sequential placement")
    func localityHelps() throws {
        let t = try topology("spikechip-llm", [("chips: {x: 2, y: 4}", "chips: {x: 1, y: 1}"), ("mesh: {x: 64, y: 64}", "mesh: {x: 16, y: 16}"),
                                                ("axons: 512", "axons: 32"), ("neurons: 512", "neurons: 32")])
        let local = try ChipMapping(spec: tinySpec, topology: t, options: MappingOptions(placement: .locality)).summary()
        let seq = try ChipMapping(spec: tinySpec, topology: t, options: MappingOptions(placement: .sequential)).summary()
        #expect(local.meanHopsPerSpike < seq.meanHopsPerSpike)
    }

    @Test("placement orders visit every core once; Hilbert steps are mesh neighbours")
    func placementOrders() throws {
        let t = try topology("spikechip-llm", [("mesh: {x: 64, y: 64}", "mesh: {x: 8, y: 8}")])
        for p in Placement.allCases {
            let all = p.order(for: t)
            #expect(Set(all) == Set(0..<t.coreCount))
            #expect(p.order(for: t, count: 37) == Array(all.prefix(37)))
        }
        for (x, y) in [(16, 16), (6, 5)] {
            let h = (0..<(x * y)).map { Placement.chipPoint(meshX: x, meshY: y, d: $0) }
            #expect(Set(h.map { $0.1 * x + $0.0 }).count == x * y)
            #expect(zip(h, h.dropFirst()).allSatisfy { abs($0.0 - $1.0) + abs($0.1 - $1.1) == 1 })
        }
    }

    @Test("splitter fan-out reserves splitter cores; binary crossbars slice 8-bit weights")
    func splitters() throws {
        let t = try topology("truenorth")
        let m = try ChipMapping(spec: tinySpec, topology: t)
        #expect(m.projections.allSatisfy { $0.slices == 7 })
        let s = m.summary()
        #expect(s.splitters > 0)
        for g in m.groups {
            // Each input neuron needs one splitter neuron per destination tile.
            let perCore = min(t.axons, t.neurons / g.destinations.count)
            #expect(g.splitters.count == (g.rows + perCore - 1) / perCore)
        }
    }
}
