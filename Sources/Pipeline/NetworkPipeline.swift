import Energy
import Engine
import Foundation
import Networks
import SimKernel
import Store
import Topology

/// One run of a generic spiking network, from its mapping and input spikes to stored rows: the run row
/// (model = the network file, one sample, its steps), the energy stream at the chosen detail, and the
/// network's populations, step ends, every spike and the link traffic. As `RunPipeline`, the run ends
/// complete only when every row is committed; otherwise it is marked interrupted with the reason.
public struct NetworkPipeline {
    public enum Status {
        case complete
        case interrupted
        /// A step could not finish (a packet dropped at a full router buffer).
        case stalled(String)
        /// Simulated but not stored (disk full, a lock); `marked` tells whether the run could be marked interrupted.
        case notStored(error: any Error, marked: Bool)
    }

    public let mapping: NetworkMapping
    public let input: SpikeRaster
    /// Database the run is appended to; nil: nothing is written.
    public let database: String?
    public let log: LogLevel
    public let commandLine: [String]
    public let toolVersion: String
    /// How the input was given (stored as the run's encoder), e.g. the .npy path.
    public let inputLabel: String
    /// Populations whose membranes are recorded every step.
    public let record: Set<Int>

    public init(mapping: NetworkMapping, input: SpikeRaster, inputLabel: String, database: String?, log: LogLevel = .summary,
                record: Set<Int> = [], commandLine: [String], toolVersion: String) {
        self.mapping = mapping; self.input = input; self.inputLabel = inputLabel; self.database = database; self.log = log
        self.record = record
        self.commandLine = commandLine; self.toolVersion = toolVersion
    }

    public func execute(shouldStop: (() -> Bool)? = nil, stopReason: () -> String = { "stopped by the caller" }) throws
        -> (status: Status, result: NetworkRunResult, run: RunID?) {
        guard let database else {
            var r = try NetworkRun(mapping: mapping, input: input, sink: DiscardingSink(), record: record)
            let result = r.run(shouldStop: shouldStop)
            return (status(result), result, nil)
        }
        let store = try RunStore(path: database)
        let t = mapping.topology
        let info = RunInfo(commandLine: commandLine, toolVersion: toolVersion, seed: 0, topologyName: t.name, topologyYAML: t.source,
                           energyTable: RunPipeline.chipEnergyTable(t), model: try modelRecord(), encoder: "network input: \(inputLabel)",
                           timeSteps: input.steps, logLevel: log, chips: t.chipCount, meshX: t.meshX, meshY: t.meshY, mapping: mappingRows())
        try NetworkChip.validate(mapping: mapping, input: input, record: record)
        let id = try store.beginRun(info)
        let sink = try store.makeSink(run: id, options: SQLiteEnergySink.Options())
        var r = try NetworkRun(mapping: mapping, input: input, sink: sink, record: record)
        let result = r.run(shouldStop: shouldStop)
        var storeFailure: (any Error)?
        do { try sink.close() } catch { storeFailure = error }
        switch status(result) {
        case .interrupted:
            _ = try store.markInterrupted(id, reason: stopReason(), wallSeconds: result.wallSeconds)
            return (.interrupted, result, id)
        case .stalled(let why):
            _ = try? store.markInterrupted(id, reason: why, wallSeconds: result.wallSeconds)
            return (.stalled(why), result, id)
        default:
            break
        }
        do {
            if let storeFailure { throw storeFailure }
            try store.insertLinkTraffic(run: id, result.links.map {
                LinkTrafficRow(chip: $0.chip, router: $0.core, direction: $0.crossesChip ? "chip-\($0.direction.name)" : $0.direction.name,
                               packets: Int($0.packets))
            })
            let net = mapping.network
            let cores = Dictionary(grouping: mapping.cores, by: { mapping.blocks[$0.block].population }).mapValues(\.count)
            let rows = net.populations.enumerated().map { p, pop in
                NetworkPopulationRow(name: pop.name, kind: pop.dynamics?.kind.rawValue ?? "Input", neurons: pop.size, cores: cores[p] ?? 0,
                                     spikes: Int(result.spikes.perPopulation[p]), isOutput: pop.isOutput)
            }
            try store.insertNetwork(run: id, populations: rows, stepEnds: result.stepEnd, spikes: result.spikes.events.lazy.map { e in
                let p = mapping.blocks[mapping.block(ofNeuron: Int(e.neuron))].population
                return (e.step, UInt32(p), e.neuron - UInt32(mapping.populationStart[p]))
            }, membranes: result.membranes.lazy.map { m in
                let p = mapping.blocks[mapping.block(ofNeuron: Int(m.neuron))].population
                return (m.step, UInt32(p), m.neuron - UInt32(mapping.populationStart[p]), m.v)
            })
            try store.finishRun(id, status: .complete, totals: RunTotals(ledger: result.ledger, simulatedTime: result.finalTime, tokens: 1,
                                                                           wallSeconds: result.wallSeconds))
        } catch {
            let marked = (try? store.markInterrupted(id, reason: "results not stored: \(error)", wallSeconds: result.wallSeconds)) != nil
            return (.notStored(error: error, marked: marked), result, id)
        }
        return (.complete, result, id)
    }

    func status(_ r: NetworkRunResult) -> Status {
        if r.interrupted { return .interrupted }
        if let stall = r.stall {
            return .stalled("the run stalled: \(stall). Set router.buffer_packets higher, or to 0 (unbounded buffers), in the topology.")
        }
        return .complete
    }

    /// The network as the run's model: its file, populations and projections.
    func modelRecord() throws -> ModelRecord {
        let net = mapping.network
        let object: [String: Any] = [
            "network": net.path, "dt_seconds": net.dtSeconds, "neurons": net.neurons, "synapses": net.synapses,
            "populations": net.populations.map { ["name": $0.name, "kind": $0.dynamics?.kind.rawValue ?? "Input", "neurons": $0.size] },
            "projections": net.projections.map { ["source": net.populations[$0.source].name, "target": net.populations[$0.target].name,
                                                  "delay_steps": $0.delay, "synapses": $0.matrix.nonzeros] },
        ]
        let json = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return ModelRecord(name: (net.path as NSString).lastPathComponent, layers: net.populations.count, json: String(decoding: json, as: UTF8.self))
    }

    /// Cores per population (as the LLM's cores per projection), with the chips they span.
    func mappingRows() -> [MappingRow] {
        let t = mapping.topology
        return mapping.network.populations.indices.map { p in
            let cores = mapping.cores.indices.filter { mapping.blocks[mapping.cores[$0].block].population == p }
            let chips = cores.map { t.chip(of: $0) }
            return MappingRow(layer: p, projection: mapping.network.populations[p].name, cores: cores.count,
                              firstChip: chips.min() ?? 0, lastChip: chips.max() ?? 0)
        }
    }
}
