import Foundation
import Testing
@testable import Topology

private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private func shipped(_ name: String) throws -> String {
    try String(contentsOf: root.appendingPathComponent("topologies/\(name).yaml"), encoding: .utf8)
}

/// Parses `yaml` expecting a TopologyError and returns it.
private func failure(_ yaml: String) -> TopologyError? {
    do { _ = try Topology.parse(yaml: yaml, file: "t.yaml"); return nil } catch let e as TopologyError { return e } catch { return nil }
}

/// 1-based line of the first occurrence of `text`.
private func line(of text: String, in yaml: String) -> Int? {
    yaml.components(separatedBy: "\n").firstIndex { $0.contains(text) }.map { $0 + 1 }
}

@Suite("Topologies")
struct TopologyTests {
    @Test("TrueNorth: 4096 cores of 256x256 binary synapses with 4 axon types, 1 ms tick, splitter fan-out")
    func trueNorth() throws {
        let t = try Topology.load(path: root.appendingPathComponent("topologies/truenorth.yaml").path)
        #expect(t.coreCount == 4096 && t.meshX == 64 && t.meshY == 64)
        #expect(t.axons == 256 && t.neurons == 256)
        #expect(t.weights == .binary(axonTypes: 4))
        #expect(t.sync == .globalTick(period: SimTime(nanoseconds: 1_000_000)))
        #expect(t.fanOut == .splitter)
        #expect(t.synapticOp.energy == Energy(picojoules: 26))
    }

    @Test("Loihi: 128 cores, 1024 compartments, Davies 2018 Table 2 energies and hop latencies")
    func loihi() throws {
        let t = try Topology.parse(yaml: try shipped("loihi"))
        #expect(t.coreCount == 128 && t.neurons == 1024)
        #expect(t.synapticOp == OpCost(picojoules: 23.6, nanoseconds: 3.5))
        #expect(t.hopEastWest == OpCost(picojoules: 3.0, nanoseconds: 4.1))
        #expect(t.hopNorthSouth == OpCost(picojoules: 4.0, nanoseconds: 6.5))
        #expect(t.sync == .completionMarkers && t.fanOut == .unicast)
    }

    @Test("the LLM board has enough cores for a 7B model and multicast routing")
    func llmBoard() throws {
        let t = try Topology.parse(yaml: try shipped("spikechip-llm"))
        #expect(t.chipCount == 8 && t.coreCount == 32_768)
        #expect(t.weights == .integer(bits: 8) && t.fanOut == .multicast)
        #expect(t.chip(of: t.core(x: 64, y: 0)) == 1)
        #expect(t.chip(of: t.core(x: 0, y: 64)) == 2)
        #expect(t.crossesChipX(63, 64) && !t.crossesChipX(62, 63))
        #expect(t.flits(bits: 256) == 8)
    }

    @Test("every shipped energy figure has a source comment on its line or within the four lines above")
    func citedSources() throws {
        for name in ["truenorth", "loihi", "spikechip-llm"] {
            let lines = try shipped(name).components(separatedBy: "\n")
            for (i, l) in lines.enumerated() where l.contains("energy_pj") || l.contains("static_power_mw") {
                let above = lines[max(0, i - 4)..<i]
                let commented = l.contains("#") || above.contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
                #expect(commented, "\(name).yaml line \(i + 1) has no source comment: \(l)")
            }
        }
    }

    @Test("an unknown key is reported with its line and a suggestion")
    func unknownKey() throws {
        let yaml = try shipped("spikechip-llm").replacingOccurrences(of: "  synapse_lanes: 64", with: "  synapse_lanez: 64")
        let e = try #require(failure(yaml))
        #expect(e.key == "core.synapse_lanez")
        #expect(e.line == line(of: "synapse_lanez", in: yaml))
        #expect(e.message.contains("did you mean 'synapse_lanes'"))
        let extra = try shipped("spikechip-llm").replacingOccurrences(of: "  synapse_lanes: 64", with: "  synapse_lanes: 64\n  colour: blue")
        let unknown = try #require(failure(extra))
        #expect(unknown.key == "core.colour" && unknown.line == line(of: "colour: blue", in: extra))
        #expect(unknown.message.contains("allowed here: axons, neurons"))
        #expect(e.description.hasPrefix("t.yaml:\(e.line!): core.synapse_lanez"))
    }

    @Test("a negative size is refused with the allowed range")
    func negativeSize() throws {
        let yaml = try shipped("spikechip-llm").replacingOccurrences(of: "  axons: 512", with: "  axons: -4")
        let e = try #require(failure(yaml))
        #expect(e.key == "core.axons")
        #expect(e.line == line(of: "axons: -4", in: yaml))
        #expect(e.message.contains("-4 is out of range"))
    }

    @Test("a missing energy entry names the key it belongs to")
    func missingEnergy() throws {
        let yaml = try shipped("loihi").replacingOccurrences(of: "    energy_pj: 81\n", with: "")
        let e = try #require(failure(yaml))
        #expect(e.key == "core.neuron_update.energy_pj")
        #expect(e.message.contains("missing"))
        #expect(e.line == line(of: "neuron_update:", in: yaml))
    }

    @Test("malformed YAML reports the parser's line; wrong types and modes are named")
    func malformed() throws {
        let broken = try shipped("loihi").replacingOccurrences(of: "  mesh: {x: 8, y: 16}", with: "  mesh: {x: 8, y: 16")
        let e = try #require(failure(broken))
        #expect(e.message.hasPrefix("not valid YAML"))
        #expect(e.line != nil)
        let mode = try #require(failure(try shipped("loihi").replacingOccurrences(of: "mode: completion_markers", with: "mode: barrier")))
        #expect(mode.key == "sync.mode" && mode.message.contains("unknown sync mode 'barrier'"))
        let type = try #require(failure(try shipped("loihi").replacingOccurrences(of: "  neurons: 1024", with: "  neurons: many")))
        #expect(type.key == "core.neurons" && type.message.contains("whole number"))
        #expect(failure("")?.message.contains("empty") == true)
        #expect(failure("- a\n- b")?.message.contains("expected a mapping") == true)
    }

    @Test("weight formats slice wide weights across crossbars")
    func slices() {
        #expect(WeightFormat.integer(bits: 8).slices(forWeightBits: 8) == 1)
        #expect(WeightFormat.ternary.slices(forWeightBits: 8) == 7)
        #expect(WeightFormat.binary(axonTypes: 4).slices(forWeightBits: 2) == 1)
        #expect(WeightFormat.integer(bits: 4).slices(forWeightBits: 8) == 3)
    }
}

import Energy
import SimKernel
