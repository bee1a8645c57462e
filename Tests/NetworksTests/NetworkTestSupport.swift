import Energy
import Foundation
import Networks
import TestFixtures
import Topology

let fixtures = Fixtures.root.appendingPathComponent("Tests/NetworksTests/Fixtures").path

struct Recorded: EnergySink {
    var records: [EnergyRecord] = []
    mutating func consume(_ rs: UnsafeBufferPointer<EnergyRecord>) { records.append(contentsOf: rs) }
    mutating func finish() {}
}

func shipped(_ name: String, _ edits: [(String, String)] = []) throws -> Topology {
    var yaml = try String(contentsOf: Fixtures.root.appendingPathComponent("topologies/\(name).yaml"), encoding: .utf8)
    for (a, b) in edits { yaml = yaml.replacingOccurrences(of: a, with: b) }
    return try Topology.parse(yaml: yaml, file: name)
}

/// Reads a network file and its input .npy, maps and runs it.
func run(_ path: String, input: String, on t: Topology, record: Set<Int> = []) throws -> (NetworkRunResult, NetworkMapping, [EnergyRecord]) {
    let net = try SpikingNetwork(NetworkGraph(path: path), dtSeconds: 1e-4)
    return try run(net, input: SpikeRaster(npy: input, ids: net.inputNeurons), on: t, record: record)
}

/// Maps `net` onto `t` and runs it on `input`.
func run(_ net: SpikingNetwork, input: SpikeRaster, on t: Topology, record: Set<Int> = []) throws -> (NetworkRunResult, NetworkMapping, [EnergyRecord]) {
    let mapping = try NetworkMapping(network: net, topology: t)
    var r = try NetworkRun(mapping: mapping, input: input, sink: Recorded(), record: record)
    let result = r.run()
    return (result, mapping, (r.model.sink as! Recorded).records)
}

/// Spike steps of every neuron of population `name`.
func spikeSteps(_ r: NetworkRunResult, _ m: NetworkMapping, _ name: String) -> [[Int]]? {
    guard let p = m.network.populations.firstIndex(where: { $0.name == name }) else { return nil }
    var out = Array(repeating: [Int](), count: m.network.populations[p].size)
    let base = m.populationStart[p]
    for e in r.spikes.events where Int(e.neuron) >= base && Int(e.neuron) < base + out.count { out[Int(e.neuron) - base].append(Int(e.step)) }
    return out.map { $0.sorted() }
}

