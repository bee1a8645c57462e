import TestFixtures
import Energy
import SimKernel
import Testing
import Topology
@testable import Engine

@Suite("Mesh links")
struct MeshLinksTests {
    /// Two chips side by side, each 2×2 cores, at the hand-priced board's prices per flit: east-west
    /// 1 pJ, north-south 1000 pJ, chip crossing 10^6 pJ; a spike packet (32 bits) is 1 flit, a graded
    /// one (256 bits) 8.
    @Test("per-router hop totals from the port counts: flits and energy by kind, written out by hand, and the hops' own sums")
    func hopTotals() throws {
        let t = try Fixtures.handPricedBoard(chips: (2, 1), mesh: (2, 2))
        // Row-major ids over the 4×2 system: cores 0, 1 (chip 0) and 2 (chip 1) on the first row; 4 below 0.
        #expect(t.width == 4 && t.chip(of: 1) == 0 && t.chip(of: 2) == 1 && t.chip(of: 4) == 0)
        var links = MeshLinks(t, costs: HardwareCosts(t))
        let sends: [(core: Int, port: Port, packet: MeshLinks.PacketClass)] = [
            (0, .east, .spike), (0, .east, .spike), (0, .east, .graded), (0, .east, .control),
            (0, .south, .spike),
            (1, .east, .spike), (1, .east, .graded), (1, .east, .control), (1, .east, .control),
        ]
        var fromHops: [String: (flits: Int64, pj: Double)] = [:]
        for (i, s) in sends.enumerated() {
            let hop = links.hop(from: s.core, through: s.port, s.packet, now: SimTime(nanoseconds: Double(100 * i)))
            let h = try #require(hop)
            let key = "\(s.core) \(h.kind)"
            fromHops[key] = ((fromHops[key]?.flits ?? 0) + h.flits, (fromHops[key]?.pj ?? 0) + h.energy.picojoules)
        }
        var totals: [String: (flits: Int64, pj: Double)] = [:]
        links.hopTotals { core, kind, flits, energy in
            let key = "\(core) \(kind)"
            totals[key] = ((totals[key]?.flits ?? 0) + flits, (totals[key]?.pj ?? 0) + energy.picojoules)
        }
        let expected: [String: (flits: Int64, pj: Double)] = [
            "0 routerHop": (2 + 8 + 1, 10 * 1 + 1 * 1000),   // east: 2 spikes + a graded packet; south: 1 spike
            "0 control": (1, 1),
            "1 chipCrossing": (1 + 8, 9 * 1_000_000),
            "1 control": (2, 2 * 1_000_000),                 // markers over a chip link pay its price, as control
        ]
        for table in [totals, fromHops] {
            #expect(table.count == expected.count)
            for (key, value) in expected { #expect(table[key]?.flits == value.flits && table[key]?.pj == value.pj, "\(key)") }
        }
        #expect(links.loads().map { [$0.core, Int($0.direction.rawValue), Int($0.packets)] }
                == [[0, Int(Port.east.rawValue), 4], [0, Int(Port.south.rawValue), 1], [1, Int(Port.east.rawValue), 4]])

        // A replica's counts add up, classes included: the totals double.
        var merged = links
        merged.addPackets(of: links)
        var doubled: [String: Int64] = [:]
        merged.hopTotals { core, kind, flits, _ in doubled["\(core) \(kind)", default: 0] += flits }
        #expect(doubled == expected.mapValues { 2 * $0.flits })
    }
}
