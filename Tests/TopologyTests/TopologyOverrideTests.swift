import Foundation
import Testing
@testable import Topology

private let llm: String = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return (try? String(contentsOf: root.appendingPathComponent("topologies/spikechip-llm.yaml"), encoding: .utf8)) ?? ""
}()

private func parse(_ sets: [String]) throws -> Topology {
    try Topology.parse(yaml: llm, file: "spikechip-llm.yaml", overrides: sets.map(TopologyOverride.init(parsing:)))
}

private func error(_ sets: [String]) -> String {
    do { _ = try parse(sets); return "accepted" } catch { return "\(error)" }
}

@Suite("--set: keys set on top of a topology file")
struct TopologyOverrideTests {
    @Test("a set key replaces the file's value, figures and nested keys included; the rest stays")
    func replaces() throws {
        let base = try parse([])
        let t = try parse(["core.axons=256", "router.hop.east_west.energy_pj=7.5", "system.chips.x=4"])
        #expect(base.axons == 512 && t.axons == 256)
        #expect(t.neurons == base.neurons)
        #expect(t.hopEastWest.energy.picojoules == 7.5)
        #expect(t.figures["router.hop.east_west.energy_pj"]?.low == 7.5) // a plain number has no range
        #expect(t.hopNorthSouth == base.hopNorthSouth)
        #expect(t.chipsX == 4 && t.chipsY == base.chipsY)
        // A flow mapping replaces a figure with its range.
        let ranged = try parse(["core.synaptic_op.energy_pj={value: 2, low: 1, high: 3}"])
        #expect(ranged.figures["core.synaptic_op.energy_pj"].map { ($0.value, $0.low, $0.high) } ?? (0, 0, 0) == (2, 1, 3))
    }

    @Test("the stored text lists what was set, and a set figure cites the override, not the file's comment")
    func provenance() throws {
        let t = try parse(["router.hop.east_west.energy_pj=7.5"])
        #expect(t.source.hasPrefix(llm))
        #expect(t.source.hasSuffix("#   router.hop.east_west.energy_pj=7.5\n"))
        #expect(t.citation(of: "router.hop.east_west.energy_pj").contains("--set router.hop.east_west.energy_pj=7.5"))
        #expect(t.citation(of: "router.hop.north_south.energy_pj").contains("Loihi"))
    }

    @Test("a key the file leaves out is created; keys the schema does not know are refused like a typo in the file")
    func createdAndUnknown() throws {
        #expect(!llm.contains("routing:"))
        #expect(try parse(["router.routing=yx"]).routing == .yx)
        #expect(error(["core.axonz=256"]).contains("core.axonz: unknown key (did you mean 'axons'?)"))
        #expect(error(["core.axons=-3"]).contains("core.axons"))
        #expect(error(["core.synaptic_op.energy_pj=1e300"]).contains("out of range"))
        #expect(error(["core.axons=256", "core.axons=512"]).contains("set twice"))
        #expect(error(["core=4"]).contains("expected a mapping"))
        #expect(error(["core.axons.x=4"]).contains("inside core.axons"))
        #expect((try? TopologyOverride(parsing: "core.axons")) == nil)
        #expect((try? TopologyOverride(parsing: "core..axons=3")) == nil)
        #expect((try? TopologyOverride(parsing: "core.axons=")) == nil)
    }
}
