import SimKernel
import Traces
import Energy
import Engine
import Foundation
import Mapping
import ModelShapes
import Models

/// One measured quantity of the trace benchmark (median of the repetitions).
public struct TraceBenchmarkRow: Sendable, Hashable {
    public var name: String
    public var medianSeconds: Double
    /// What was measured, with the sizes involved.
    public var note: String
}

/// Measures what reading a trace costs against replaying it (the issue's target: reading
/// < 10% of replay time), on a statistical run recorded once.
public enum TraceBenchmark {
    /// Records a statistical run of `workload` on `mapping` into `directory`, then times, as
    /// medians of `repetitions`: the statistical run, the recording run, a read-and-decode
    /// pass over the trace, and the replay. The last row is the read/replay fraction.
    /// - Throws: `TraceError` or engine errors if the run or the trace fails.
    public static func run(mapping: ChipMapping, workload: Workload, repetitions: Int = 3,
                           directory: URL = FileManager.default.temporaryDirectory) throws -> [TraceBenchmarkRow] {
        let path = directory.appendingPathComponent("spikechip-bench-\(getpid()).trace").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let statistical = try StatisticalSpikeSource(timeSteps: workload.timeSteps, seed: workload.seed)
        let reps = max(1, repetitions)

        var events: UInt64 = 0
        let plain = try median(reps) {
            var chip = try ChipRun(mapping: mapping, workload: workload, source: statistical, sink: DiscardingSink())
            events = chip.run().events
        }
        let record = try median(reps) {
            let header = TraceHeader(mapping: mapping, content: .spikes, encoder: "statistical:silent=\(statistical.distribution.silentFraction)",
                                     timeSteps: workload.timeSteps, provenance: ["tool": .string("TraceBenchmark")])
            let writer = try TraceWriter(path: path, header: header)
            let source = try RecordingSpikeSource(wrapping: statistical, writer: writer, mapping: mapping, workload: workload)
            var chip = try ChipRun(mapping: mapping, workload: workload, source: source, sink: DiscardingSink())
            _ = chip.run()
            try writer.finish()
        }
        var blocks = 0, spikes = 0
        var bytes: Int64 = 0
        let read = try median(reps) {
            let reader = try TraceReader(path: path)
            var block = SpikeBlock()
            spikes = 0
            while try reader.next() != nil {
                try reader.spikes(into: &block)
                spikes += block.spikeCount
            }
            blocks = reader.blocksRead
            bytes = reader.fileSize
        }
        let replay = try median(reps) {
            let source = try TraceSpikeSource(path: path, mapping: mapping, workload: workload)
            var chip = try ChipRun(mapping: mapping, workload: workload, source: source, sink: DiscardingSink())
            _ = chip.run(shouldStop: { source.failure != nil })
            try source.finish()
        }
        let size = "\(workload.tokens) tokens, T = \(workload.timeSteps), \(events) events"
        return [
            TraceBenchmarkRow(name: "statistical run", medianSeconds: plain, note: size),
            TraceBenchmarkRow(name: "recording run", medianSeconds: record, note: "statistical run writing the trace (\(bytes) bytes)"),
            TraceBenchmarkRow(name: "read trace", medianSeconds: read,
                              note: "\(blocks) blocks, \(spikes) spikes, \(bytes) bytes: checksum and decode, \(String(format: "%.0f", Double(bytes) / max(read, 1e-12) / 1e6)) MB/s"),
            TraceBenchmarkRow(name: "replay run", medianSeconds: replay, note: "the same run with spikes from the trace"),
            TraceBenchmarkRow(name: "read / replay", medianSeconds: read / max(replay, 1e-12), note: "fraction of replay time spent reading (target < 0.10)"),
        ]
    }

    private static func median(_ n: Int, _ body: () throws -> Void) throws -> Double {
        var times: [Double] = []
        for _ in 0..<n {
            let start = ContinuousClock.now
            try body()
            let d = ContinuousClock.now - start
            times.append(d.inSeconds)
        }
        times.sort()
        return times[times.count / 2]
    }
}
