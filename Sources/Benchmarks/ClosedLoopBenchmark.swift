import SimKernel
import ClosedLoop
import Energy
import Engine
import Foundation
import Mapping
import ModelShapes
import Models
import Neurons
import Topology

/// Speed of closed-loop runs: real tokens through the functional model and the event
/// simulation, wall time per position and events per second, medians of several runs.
/// Build in release mode; debug timings are meaningless.
public enum ClosedLoopBenchmark {
    /// SmolLM2-class model from `path` on `topology`: one run of `prompt` + `newTokens` per
    /// repetition and encoder (weights loaded and quantized once, outside the timing).
    public static func run(path: String, topology: Topology, encoders: [String], prompt text: String, newTokens: Int,
                           repetitions: Int) throws -> [BenchmarkRow] {
        let model = try LanguageModel(gguf: try GGUFFile(path: path))
        guard let prompt = model.tokenizer?.encodeForModel(text) else {
            throw ClosedLoopError.invalidRequest("\(path) has no vocabulary to tokenize the benchmark prompt with")
        }
        let mapping = try ChipMapping(spec: model.spec, topology: topology)
        let crossbars = try CrossbarModel(quantizing: model, bits: 8)
        var rows: [BenchmarkRow] = []
        for spec in encoders {
            let encoder = try ConfiguredEncoder(parsing: spec)
            var walls: [Double] = [], functional: [Double] = []
            var events: UInt64 = 0, positions = 0
            for _ in 0..<max(1, repetitions) {
                let source = try ClosedLoopSource(model: model, backend: ChipBackend(crossbars: crossbars, encoder: encoder),
                                                  mapping: mapping, prompt: prompt, newTokens: newTokens)
                positions = source.positions
                var chip = try ChipRun(mapping: mapping, workload: Workload(tokens: positions, timeSteps: encoder.steps, context: 0),
                                       source: source, sink: DiscardingSink())
                let r = chip.run()
                if let failure = chip.model.source.failure { throw failure }
                walls.append(r.wallSeconds)
                functional.append(chip.model.source.functionalSeconds)
                events = r.events
            }
            let wall = ModelBenchmark.median(walls)
            let note = "\(model.spec.name) on \(topology.name), \(positions) positions, `\(spec)`"
            rows.append(BenchmarkRow(name: "closed loop T = \(encoder.steps): tokens per second", value: Double(positions) / wall,
                                          unit: "positions/s", note: note + ", functional model \(String(format: "%.0f", 100 * ModelBenchmark.median(functional) / wall))% of the wall time"))
            rows.append(BenchmarkRow(name: "closed loop T = \(encoder.steps): events per second", value: Double(events) / wall / 1e6,
                                          unit: "M events/s", note: "\(events / UInt64(positions)) events per position"))
        }
        return rows
    }

    /// The built-in SpikingBrain-7B spec with seeded synthetic weights: weight generation,
    /// one closed-loop position (functional model + every packet), and peak memory. Run once (it takes about a minute).
    public static func run7B(topology: Topology, bits: Int = 8, encoder text: String) throws -> [BenchmarkRow] {
        let clock = ContinuousClock()
        var started = clock.now
        let spec = ModelSpec.spikingBrain7B
        let mapping = try ChipMapping(spec: spec, topology: topology)
        let model = try LanguageModel.synthetic(spec: spec, seed: 1)
        let crossbars = try CrossbarModel(synthetic: spec, bits: bits, seed: 1)
        let setup = (clock.now - started).inSeconds
        let encoder = try ConfiguredEncoder(parsing: text)
        started = clock.now
        let source = try ClosedLoopSource(model: model, backend: ChipBackend(crossbars: crossbars, encoder: encoder),
                                          mapping: mapping, prompt: [9707], newTokens: 1)
        var chip = try ChipRun(mapping: mapping, workload: Workload(tokens: 1, timeSteps: encoder.steps, context: 0),
                               source: source, sink: DiscardingSink())
        let r = chip.run()
        if let failure = chip.model.source.failure { throw failure }
        let token = (clock.now - started).inSeconds
        return [
            BenchmarkRow(name: "7B closed loop: synthetic int\(bits) weights", value: setup, unit: "s",
                              note: "\(crossbars.bytes / 1_000_000) MB of crossbar levels + FP32 embedding, seeded"),
            BenchmarkRow(name: "7B closed loop: one position", value: token, unit: "s",
                              note: "`\(text)`, functional model \(String(format: "%.1f", chip.model.source.functionalSeconds)) s, \(r.events) events"),
            BenchmarkRow(name: "7B closed loop: peak resident memory", value: Double(ModelBenchmark.peakResidentBytes()) / 1_073_741_824,
                              unit: "GiB", note: "getrusage ru_maxrss of the bench process"),
        ]
    }

}
