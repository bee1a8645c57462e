import Foundation
import Traces

/// A network run as a trace (docs/trace-format.md, version 2), and a trace as a network's input.
///
/// Every population's spikes form one stream, in population order, followed by the membranes of
/// the recorded populations; a step writes one block per stream. The input populations' spikes are
/// in it too, so the trace of a run is also the input of its replay, on any topology.
public enum NetworkTrace {
    /// The streams a run of `network` writes: the spikes of every population, then the membranes of `recorded`.
    public static func streams(_ network: SpikingNetwork, recorded: Set<Int>) -> [TraceStream] {
        let pops = network.populations
        func stream(_ p: Int, _ record: TraceStream.Record) -> TraceStream {
            TraceStream(population: pops[p].name, model: pops[p].dynamics?.kind.rawValue ?? "Input", neurons: pops[p].size, record: record)
        }
        return pops.indices.map { stream($0, .spikes) } + pops.indices.filter(recorded.contains).map { stream($0, .membranes) }
    }

    /// Writes the complete steps of `result` (a run of `mapping` with membranes of `recorded`) to `path`.
    /// - Returns: the bytes written.
    /// - Throws: `TraceError` when the file cannot be written (nothing else about the run can fail here).
    @discardableResult
    public static func write(_ result: NetworkRunResult, mapping: NetworkMapping, recorded: Set<Int>, input: String, path: String,
                             provenance: [String: JSONValue] = [:]) throws -> Int64 {
        let net = mapping.network
        let steps = result.stepEnd.count
        let header = TraceHeader(network: streams(net, recorded: recorded), dtNs: net.dtSeconds * 1e9, steps: steps, input: input,
                                 provenance: provenance)
        let writer = try TraceWriter(path: path, header: header)
        // Global neuron ids increase with the population, so sorting by (step, neuron) lays a step's
        // spikes out population by population, each run ascending as a spike block needs.
        let spikes = result.spikes.events.sorted { ($0.step, $0.neuron) < ($1.step, $1.neuron) }
        let membranes = result.membranes.sorted { ($0.step, $0.neuron) < ($1.step, $1.neuron) }
        let membranePops = net.populations.indices.filter(recorded.contains)
        var block = SpikeBlock(), values = ContiguousArray<Double>()
        var s = 0, m = 0
        for step in 0..<steps {
            for (p, pop) in net.populations.enumerated() {
                let start = mapping.populationStart[p], end = start + pop.size
                block.removeAll()
                while s < spikes.count, spikes[s].step == step, spikes[s].neuron < end {
                    block.append(neuron: Int32(Int(spikes[s].neuron) - start), amplitude: 1)
                    s += 1
                }
                block.endStep()
                try writer.append(token: step, stage: p, spikes: block)
            }
            for (k, p) in membranePops.enumerated() {
                let start = mapping.populationStart[p], size = net.populations[p].size
                values.removeAll(keepingCapacity: true)
                while m < membranes.count, membranes[m].step == step, Int(membranes[m].neuron) < start + size {
                    values.append(membranes[m].v)
                    m += 1
                }
                guard values.count == size else {
                    throw TraceError.invalidUse("step \(step): the run holds \(values.count) of population '\(net.populations[p].name)''s \(size) membranes")
                }
                try values.withUnsafeBufferPointer { try writer.appendMembranes(token: step, stage: net.populations.count + k, values: $0) }
            }
        }
        try writer.finish()
        return writer.bytes
    }
}

extension SpikeRaster {
    /// The input spikes a network trace holds for `network`: the spike stream of each Input population,
    /// found by name. A trace without its end block gives its complete steps, and its completion says so;
    /// `dtNs` is the time step the trace was recorded at.
    /// - Throws: `NetworkError.invalidInput` naming what does not fit, `TraceError` for a damaged file.
    public static func read(trace path: String, network: SpikingNetwork) throws -> (raster: SpikeRaster, completion: TraceCompletion, dtNs: Double) {
        let reader = try TraceReader(path: path)
        let h = reader.header
        guard h.content == .network else {
            throw NetworkError.invalidInput("\(path) is a trace of a model's \(h.content.rawValue) (replay it with `spikechip replay`); a network's input is a .npy, a .npz or a network trace written by `spikechip network --trace`")
        }
        let starts = network.populationStart
        // Trace stream → global id of its first neuron, for the streams that feed an input population.
        var offset = [Int?](repeating: nil, count: h.streams.count)
        for (p, pop) in network.populations.enumerated() where pop.isInput {
            guard let i = h.streams.indices.first(where: { h.streams[$0].record == .spikes && h.streams[$0].population == pop.name }) else {
                let available = h.streams.filter { $0.record == .spikes }.map { "'\($0.population)' (\($0.neurons))" }.joined(separator: ", ")
                throw NetworkError.invalidInput("\(path): no spike stream of input population '\(pop.name)' (\(pop.size) neurons); the trace has \(available)")
            }
            guard h.streams[i].neurons == pop.size else {
                throw NetworkError.invalidInput("\(path): stream '\(pop.name)' has \(h.streams[i].neurons) neurons; the network's input population has \(pop.size)")
            }
            offset[i] = starts[p]
        }
        var start = ContiguousArray<Int32>([0]), neurons = ContiguousArray<Int32>(), step = ContiguousArray<Int32>()
        func close() {
            step.sort(); neurons.append(contentsOf: step); step.removeAll(keepingCapacity: true)
            start.append(Int32(neurons.count))
        }
        var block = SpikeBlock(), current = 0
        while let b = try reader.next() {
            if b.token != current { close(); current = b.token }
            guard let base = offset[b.stage] else { continue }
            try reader.spikes(into: &block)
            guard neurons.count + step.count + block.spikeCount < Int(Int32.max) else {
                throw NetworkError.invalidInput("\(path): more than 2^31 input spikes")
            }
            for n in block.neurons { step.append(Int32(base + Int(n))) }
        }
        let completion = reader.completion!
        guard completion.tokens >= 1 else { throw NetworkError.invalidInput("\(path): the trace holds no complete step") }
        // The last step read is closed only if it is complete; a step cut short by a crash is dropped.
        if start.count - 1 < completion.tokens { close() }
        return (SpikeRaster(steps: completion.tokens, start: start, neurons: neurons), completion, h.dtNs ?? 0)
    }
}
