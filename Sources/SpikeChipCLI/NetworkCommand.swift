import ArgumentParser
import Energy
import Engine
import Foundation
import Networks
import Pipeline
import SimKernel
import Store
import Topology
import Traces

/// `spikechip network`: a generic spiking network (a NIR graph converted by `spikechip import`)
/// mapped onto a topology's cores and run on input spike trains, event by event.
struct NetworkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Run a spiking network (converted from NIR by `spikechip import`) on a chip: spikes, energy and latency per step.",
        discussion: """
            The network's populations are cut into cores of the topology's axons × neurons; fan-in beyond the axons of a core is split over partial cores that send their currents to the neurons' home core. Each step, a core updates its neurons once the cores that feed it without delay have sent their completion markers, every spike is routed hop by hop, and the step ends at a barrier (completion-marker topologies) or at the next tick (global tick). Neuron dynamics follow NIR with forward Euler at --dt-ns; which neuron fires when does not depend on the topology, only time and energy do (docs/networks.md).

              spikechip import model.nir --output model.safetensors
              spikechip network model.safetensors --input spikes.npy --topology loihi
            """)

    @Argument(help: "Network file written by `spikechip import` (safetensors with the graph in its metadata).")
    var file: String

    @Option(help: "Input spike trains: a NumPy .npy array [time steps, input neurons] (bool, integers or floats; non-zero = spike), inputs in the graph's Input order; a .npz (numpy.savez or numpy.savez_compressed) holding one such array or one named 'spikes'; or a network trace (--trace of an earlier run), whose spike streams named like the Input populations are used.")
    var input: String

    @Option(help: "Chip description: a YAML path or a shipped name (truenorth, loihi, spikechip-llm). Default: loihi.")
    var topology = "loihi"

    @Option(name: .customLong("set"), help: "Set a key of the chip description: KEY=VALUE, repeatable (e.g. --set core.axons=256).")
    var overrides: [String] = []

    @Option(parsing: .unconditional, help: "Model time step of the neuron dynamics in ns (NIR's ODEs are integrated with forward Euler at this step). Default: 100000 (0.1 ms, the dt snnTorch's NIR export assumes).")
    var dtNs: Double = 100_000

    @Option(help: "Write every spike as CSV (step,population,neuron) to this file.")
    var spikes: String?

    @Option(help: "Write the run as a network trace (docs/trace-format.md, version 2) to this file: every population's spikes, input included, and the --record membranes (float64), one block per step. It replays the run as --input, on any topology.")
    var trace: String?

    @Option(help: "Populations whose membrane potentials are recorded after every step (after reset), comma-separated names, or 'all' (every non-input population). Stored in the database (network_membrane) and written by --membranes. Default: none.")
    var record: String?

    @Option(help: "Write the recorded membranes as CSV (step,population,neuron,v) to this file (needs --record).")
    var membranes: String?

    @Option(help: "SQLite database to append the run to (energy stream, populations, every spike, step ends). Default: spikechip.sqlite.")
    var db = "spikechip.sqlite"

    @Flag(help: "Do not write a database.")
    var noDb = false

    @Option(help: "Stored detail of the energy stream: events, steps or summary (per population and kind). Default: summary.")
    var log: LogLevel = .summary

    @Option(help: "Summary format on stdout: text or json. Default: text.")
    var format: RunOutputArguments.OutputFormat = .text

    @Flag(help: "No progress line on stderr.")
    var quiet = false

    func run() throws {
        guard dtNs.isFinite, dtNs > 0, dtNs <= 1e9 else { throw ValidationError("--dt-ns must be between 0 and 1e9 ns (1 s), got \(dtNs)") }
        let topo = try Topology.load(path: try ResourceLocator.topology(topology), overrides: try overrides.map(TopologyOverride.init(parsing:)))
        let network = try SpikingNetwork(NetworkGraph(path: file), dtSeconds: dtNs * 1e-9)
        let raster: SpikeRaster
        if TraceReader.isTrace(path: input) {
            let (r, completion, recordedDt) = try SpikeRaster.read(trace: input, network: network)
            if case let .truncated(offset, _, steps) = completion {
                FileHandle.standardError.write(Data("warning: \(input) ends at byte \(offset) without its end block (its writer stopped early): its \(steps) complete step(s) are the input\n".utf8))
            }
            if recordedDt != dtNs {
                FileHandle.standardError.write(Data("warning: \(input) was recorded at --dt-ns \(recordedDt); this run steps at \(dtNs) ns, and takes its spikes step for step\n".utf8))
            }
            raster = r
        } else {
            raster = try SpikeRaster(npy: input, ids: network.inputNeurons)
        }
        let mapping = try NetworkMapping(network: network, topology: topo)
        let recorded = try recordedPopulations(network)
        if membranes != nil, recorded.isEmpty { throw ValidationError("--membranes needs --record POPULATION[,…] (or --record all)") }
        let pipeline = NetworkPipeline(mapping: mapping, input: raster, inputLabel: input, database: noDb ? nil : db, log: log,
                                       record: recorded, commandLine: CommandLine.arguments, toolVersion: SpikeChip.version)
        InterruptFlag.install()
        var progress = Progress("network", quiet: quiet || format == .json)
        let (status, result, runID) = try {
            defer { InterruptFlag.uninstall(); progress.done() }
            return try pipeline.execute(shouldStop: { progress.update("simulating (Ctrl-C stops and keeps what was simulated)"); return InterruptFlag.isSet },
                                        stopReason: { "stopped by signal \(InterruptFlag.receivedSignal ?? SIGINT)" })
        }()
        switch status {
        case .complete:
            if let spikes { try writeSpikes(result, mapping, to: spikes) }
            if let membranes { try writeMembranes(result, mapping, to: membranes) }
            if let trace {
                do {
                    try NetworkTrace.write(result, mapping: mapping, recorded: recorded, input: input, path: trace,
                                           provenance: ["tool": .string("spikechip \(SpikeChip.version)"), "network": .string(file)])
                } catch { throw ValidationErrorMessage("cannot write --trace \(trace): \(error)") }
            }
            switch format {
            case .text: print(summary(result, mapping, raster) + (runID.map { "\nstored    run \($0) in \(db)" } ?? ""))
            case .json: print(try json(result, mapping, raster, run: runID))
            }
        case .interrupted:
            FileHandle.standardError.write(Data("interrupted after \(result.stepEnd.count) of \(raster.steps) steps\(runID.map { "; run \($0) in \(db) is stored as interrupted" } ?? "")\n".utf8))
            throw ExitCode(130)
        case .stalled(let message):
            throw ValidationErrorMessage(message + (runID.map { " Run \($0) in \(db) is marked interrupted." } ?? ""))
        case .notStored(let error, let marked):
            print(summary(result, mapping, raster))
            throw ValidationErrorMessage("the results of run \(runID.map { "\($0)" } ?? "?") could not be stored in \(db): \(error). The summary above is complete\(marked ? "; the run is marked interrupted" : ""). Free disk space or choose another --db, then run again.")
        }
    }

    /// The populations `--record` names, refused with the list of names when one is not in the network.
    func recordedPopulations(_ net: SpikingNetwork) throws -> Set<Int> {
        guard let record else { return [] }
        let names = net.populations.indices.filter { !net.populations[$0].isInput }
        if record == "all" { return Set(names) }
        return Set(try record.split(separator: ",").map { name in
            guard let p = names.first(where: { net.populations[$0].name == name }) else {
                throw ValidationError("--record: no spiking population '\(name)'; the network has \(names.map { net.populations[$0].name }.joined(separator: ", ")) (or 'all')")
            }
            return p
        })
    }

    func writeMembranes(_ r: NetworkRunResult, _ m: NetworkMapping, to path: String) throws {
        var text = "step,population,neuron,v\n"
        for e in r.membranes {
            let p = m.blocks[m.block(ofNeuron: Int(e.neuron))].population
            text += "\(e.step),\(m.network.populations[p].name),\(Int(e.neuron) - m.populationStart[p]),\(e.v)\n"
        }
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw ValidationErrorMessage("cannot write --membranes \(path): \(error.localizedDescription)")
        }
    }

    func writeSpikes(_ r: NetworkRunResult, _ m: NetworkMapping, to path: String) throws {
        var text = "step,population,neuron\n"
        for e in r.spikes.events.sorted(by: { ($0.step, $0.neuron) < ($1.step, $1.neuron) }) {
            let b = m.blocks[m.block(ofNeuron: Int(e.neuron))]
            text += "\(e.step),\(m.network.populations[b.population].name),\(Int(e.neuron) - m.populationStart[b.population])\n"
        }
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw ValidationErrorMessage("cannot write --spikes \(path): \(error.localizedDescription)")
        }
    }

    func summary(_ r: NetworkRunResult, _ m: NetworkMapping, _ input: SpikeRaster) -> String {
        let net = m.network
        let steps = r.stepEnd.count
        let roles = Dictionary(grouping: m.cores, by: \.role).mapValues(\.count)
        var lines = [
            "network   \(net.path): \(net.populations.count) populations, \(net.neurons) neurons, \(net.synapses) synapses, \(net.projections.count) projections (max delay \(net.maxDelay) steps)",
            "mapped    \(m.topology.name): \(m.coresUsed) cores (\(roles[.input] ?? 0) input, \(roles[.home] ?? 0) neuron, \(roles[.partial] ?? 0) partial\(roles[.splitter].map { ", \($0) splitter" } ?? "")) of \(m.topology.axons) axons × \(m.topology.neurons) neurons",
            "steps     \(steps) of \(input.steps); chip time \(r.finalTime) (\(SimTime(picoseconds: r.finalTime.picoseconds / UInt64(max(steps, 1)))) per step)" + (r.lateSteps > 0 ? "; \(r.lateSteps) steps overran their tick" : ""),
        ]
        lines.append("spikes    " + net.populations.indices.map { "\(net.populations[$0].name) \(r.spikes.perPopulation[$0])" }.joined(separator: ", "))
        let total = r.ledger.total
        lines.append("energy    \(total) in all, \(Energy(femtojoules: total.femtojoules / Int64(max(steps, 1)))) per step")
        for kind in EnergyKind.allCases where r.ledger.count(kind) > 0 || r.ledger.energy(kind) != .zero {
            lines.append("  \(kind.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(r.ledger.energy(kind)) (\(r.ledger.count(kind)) events)")
        }
        let neuronSteps = r.ledger.count(.neuronUpdate)
        lines.append("neurons   \(r.activeNeuronSteps) active neuron-steps of \(neuronSteps)" +
                     (neuronSteps > 0 ? String(format: " (%.1f%%; the others idle: no input, state at rest)", 100 * Double(r.activeNeuronSteps) / Double(neuronSteps)) : ""))
        lines.append("traffic   \(r.traffic.spikes) spikes, \(r.traffic.delivered) deliveries, \(r.traffic.hops) hops, \(r.traffic.markers) markers, \(r.traffic.gradedPackets) partial-sum packets, \(r.traffic.dropped) dropped")
        lines.append(String(format: "wall      %.3f s, %d events", r.wallSeconds, r.events))
        return lines.joined(separator: "\n")
    }

    func json(_ r: NetworkRunResult, _ m: NetworkMapping, _ input: SpikeRaster, run: RunID?) throws -> String {
        let net = m.network
        var pops: [[String: Any]] = []
        for (p, pop) in net.populations.enumerated() {
            let start = m.populationStart[p]
            pops.append(["name": pop.name, "size": pop.size, "kind": pop.dynamics?.kind.rawValue ?? "Input", "output": pop.isOutput,
                         "spikes": r.spikes.perPopulation[p], "counts": (0..<pop.size).map { r.spikes.counts[start + $0] }])
        }
        var kinds: [String: Any] = [:]
        for kind in EnergyKind.allCases { kinds[kind.name] = ["picojoules": r.ledger.energy(kind).picojoules, "events": r.ledger.count(kind)] }
        let object: [String: Any] = [
            "network": net.path, "topology": m.topology.name, "cores": m.coresUsed, "steps": r.stepEnd.count,
            "neurons": net.neurons, "synapses": net.synapses,
            "chip_time_ns": Double(r.finalTime.picoseconds) / 1000, "step_end_ns": r.stepEnd.map { Double($0.picoseconds) / 1000 },
            "late_steps": r.lateSteps, "active_neuron_steps": r.activeNeuronSteps, "picojoules": r.ledger.total.picojoules, "energy": kinds, "populations": pops,
            "traffic": ["spikes": r.traffic.spikes, "deliveries": r.traffic.delivered, "hops": r.traffic.hops, "markers": r.traffic.markers,
                        "partial_sum_packets": r.traffic.gradedPackets, "dropped": r.traffic.dropped],
            "events": r.events, "wall_seconds": r.wallSeconds, "run": run.map { Int($0.rawValue) as Any } ?? NSNull(),
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

/// `spikechip import`: converts a NIR graph (HDF5) into SpikeChip's network file with the real `nir`
/// package, run from the project's Python environment (`scripts/setup-peers.sh`).
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert a NIR graph (.nir) into a SpikeChip network file (safetensors), naming every node it cannot run.",
        discussion: """
            Runs tools/nir/nir2spikechip.py with the Python of .venv-peers (created by scripts/setup-peers.sh), or $SPIKECHIP_PYTHON. Subgraphs are flattened, Flatten removed, convolutions and pooling expanded to dense Affine nodes (up to 2^26 weights each).
            """)

    @Argument(help: "NIR file (HDF5, as written by nir.write).")
    var file: String

    @Option(help: "Network file to write. Default: the NIR file's name with .safetensors.")
    var output: String?

    /// What a spike does to an IF, LIF or CubaLIF membrane; NIR does not record it.
    enum ResetMechanism: String, ExpressibleByArgument, CaseIterable { case zero, subtract }

    @Option(help: "What a spike does to IF, LIF and CubaLIF membranes, which NIR does not record: zero (NIR's reset to v_reset) or subtract (v_threshold subtracted at the next step: snnTorch's default reset_mechanism, with its default reset_delay=True). Default: zero.")
    var resetMechanism: ResetMechanism = .zero

    func run() throws {
        let out = output ?? (URL(fileURLWithPath: file).deletingPathExtension().path + ".safetensors")
        let root = ResourceLocator.repositoryRoot.path
        let script = root + "/tools/nir/nir2spikechip.py"
        let python = ProcessInfo.processInfo.environment["SPIKECHIP_PYTHON"] ?? root + "/.venv-peers/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python), FileManager.default.fileExists(atPath: script) else {
            throw ValidationErrorMessage("import needs the NIR converter's Python environment: run scripts/setup-peers.sh in \(root) (or set SPIKECHIP_PYTHON to a python with the nir package)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [script, file, out, "--reset-mechanism", resetMechanism.rawValue]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw ExitCode(p.terminationStatus) }
    }
}
