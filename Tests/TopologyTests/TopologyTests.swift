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
        // Table 2's neuron update, active and inactive.
        #expect(t.neuronUpdate == OpCost(picojoules: 81, nanoseconds: 8.4) && t.neuronIdle == OpCost(picojoules: 52, nanoseconds: 5.3))
        #expect(t.sync == .completionMarkers && t.fanOut == .unicast)
    }

    @Test("the LLM board has enough cores for a 7B model and multicast routing")
    func llmBoard() throws {
        let t = try Topology.parse(yaml: try shipped("spikechip-llm"))
        #expect(t.chipCount == 8 && t.coreCount == 32_768)
        #expect(t.weights == .integer(bits: 8) && t.fanOut == .multicast)
        #expect(t.chip(of: t.core(x: 64, y: 0)) == 1)
        #expect(t.chip(of: t.core(x: 0, y: 64)) == 2)
        #expect(t.chip(of: 63) != t.chip(of: 64) && t.chip(of: 62) == t.chip(of: 63))
        #expect(t.routing == .xy)
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

    @Test("Stillmaker & Baas's fits reproduce the authors' published check: HP32 at 0.9 V = 0.4571")
    func nodeScalingPublishedPoint() throws {
        let lib = try TechnologyLibrary.shipped()
        #expect(abs(try lib.node(32).relativeEnergy(atVoltage: 0.9) - 0.4571) < 5e-5)
        // 45 nm at 0.9 V to 7 nm at 0.7 V: (0.1776·0.49 − 0.09097·0.7 + 0.02447) / (1.018·0.81 − 0.3107·0.9 + 0.1539).
        let from = TechnologyPoint(node: try lib.node(45), voltage: 0.9, source: ""), to = TechnologyPoint.nominal(try lib.node(7), source: "")
        #expect(abs(from.energyFactor(to: to) - 0.047815 / 0.69885) < 1e-6)
        // Every shipped topology states its node, and the node is in the library.
        for (name, nm) in [("truenorth", 28), ("loihi", 14), ("spikechip-llm", 45)] {
            #expect(try Topology.parse(yaml: try shipped(name)).technology.node.nanometres == nm)
        }
    }

    @Test("figures: ranges are read and checked, nodes must be known, derived static power is the silicon's leakage")
    func figuresAndNodes() throws {
        let llm = try shipped("spikechip-llm")
        let t = try Topology.parse(yaml: llm)
        let hop = try #require(t.figures["router.hop.east_west.energy_pj"])
        #expect(hop.value == 25.3 && hop.low == 3.0 && hop.high == 25.3)
        #expect(t.staticPower == .derived)
        #expect(t.citation(of: "core.weight_read_pj_per_byte").contains("Horowitz"))
        // A range whose low end is above its high end is refused with its line.
        let inverted = llm.replacingOccurrences(of: "weight_read_pj_per_byte: {value: 1.25, low: 1.25, high: 2.65}",
                                                with: "weight_read_pj_per_byte: {value: 1.25, low: 2.65, high: 1.25}")
        let e = try #require(failure(inverted))
        #expect(e.key == "core.weight_read_pj_per_byte" && e.message.contains("a range must hold its value"))
        #expect(e.line == line(of: "weight_read_pj_per_byte:", in: inverted))
        // An unknown node names the known ones.
        let unknown = try #require(failure(llm.replacingOccurrences(of: "node_nm: 45", with: "node_nm: 3")))
        #expect(unknown.key == "technology.node_nm" && unknown.message.contains("no technology node 3 nm") && unknown.message.contains("45"))
        // A figure without its unit in the key is an unknown key, with the unit-bearing name suggested.
        let unitless = try #require(failure(llm.replacingOccurrences(of: "  weight_read_pj_per_byte:", with: "  weight_read:")))
        #expect(unitless.message.contains("weight_read_pj_per_byte"))
        // Absurd energies are refused instead of overflowing the fixed-point totals.
        let huge = try #require(failure(llm.replacingOccurrences(of: "    energy_pj: 10.1", with: "    energy_pj: 1e300")))
        #expect(huge.key == "core.neuron_update.energy_pj" && huge.message.contains("out of range"))
        // Stated and derived static power cannot both be given.
        let both = try #require(failure(llm.replacingOccurrences(of: "  static_power: derived", with: "  static_power: derived\n  static_power_mw: 3")))
        #expect(both.message.contains("exactly one"))
    }

    @Test("a file that is not UTF-8 says so, instead of blaming the path")
    func notUTF8() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("latin1-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = FileManager.default.createFile(atPath: path, contents: Data([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a])) // "name: é" in Latin-1
        do { _ = try Topology.load(path: path); Issue.record("accepted") } catch let e as TopologyError {
            #expect(e.message.contains("not UTF-8"))
        }
    }

    @Test("a key written twice is an error with its line")
    func duplicateKeys() throws {
        let yaml = try shipped("spikechip-llm").replacingOccurrences(of: "  axons: 512\n", with: "  axons: 512\n  axons: 256\n")
        let e = try #require(failure(yaml))
        #expect(e.line != nil)
        #expect(e.message.contains("axons") || e.key.contains("axons"))
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
