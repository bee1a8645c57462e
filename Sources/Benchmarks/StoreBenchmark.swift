import Store
import Energy
import Foundation

/// Throughput of the SQLite writer, wired into `spikechip bench`.
public enum StoreBenchmark {
    /// One measured configuration (medians over the repetitions).
    public struct Row: Sendable, CustomStringConvertible {
        public var level: LogLevel
        public var rows: Int
        public var repetitions: Int
        /// Wall seconds from the first `consume` to the end of `finish()` (all rows committed).
        public var seconds: Double
        /// Records consumed per second (the simulator's view: how fast it may emit).
        public var recordsPerSecond: Double
        /// Database rows committed per run (events: one per record).
        public var rowsWritten: Int
        /// Largest memory held by queued batches.
        public var peakQueuedBytes: Int
        /// Times the producer was held back by a full queue.
        public var producerWaits: Int
        /// Rows per second of the writer thread alone (rows / seconds inside transactions).
        public var writerRowsPerSecond: Double
        /// Rows per CPU second of the writer thread: its rate on a core of its own.
        public var writerRowsPerCPUSecond: Double

        public var description: String {
            String(format: "%-8@ %10d records  %7.3f s  %6.2f M records/s  %8d rows  writer %6.2f M rows/s (%5.2f M/CPU-s)  peak queue %6.1f MB  %d waits",
                   level.rawValue as NSString, rows, seconds, recordsPerSecond / 1e6, rowsWritten, writerRowsPerSecond / 1e6, writerRowsPerCPUSecond / 1e6,
                   Double(peakQueuedBytes) / 1_048_576, producerWaits)
        }
    }

    /// Streams `rows` synthetic records through a fresh database at each log level,
    /// `repetitions` times, in a temporary directory, and reports medians.
    public static func run(rows: Int, repetitions: Int, levels: [LogLevel] = LogLevel.allCases,
                           directory: URL = FileManager.default.temporaryDirectory) throws -> [Row] {
        // 4 chips of 256 cores, T = 8; 256K records per token: about 32 records per core per step, 8 per kind.
        let stream = SyntheticEnergyStream(chips: 4, coresPerChip: 256, layers: 28, timeSteps: 8, seed: 42, recordsPerToken: 1 << 18)
        let records = stream.records(rows)
        var ledger = EnergyLedger(layers: stream.layers, chips: stream.chips)
        for r in records { ledger.add(r) }
        return try levels.map { level in
            var samples: [(Double, WriterStatistics)] = []
            for rep in 0..<max(1, repetitions) {
                let path = directory.appendingPathComponent("spikechip-bench-\(getpid())-\(level.rawValue)-\(rep).sqlite").path
                defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
                let store = try RunStore(path: path)
                let run = try store.beginRun(RunInfo(
                    commandLine: ["bench"], toolVersion: "bench", seed: 42, topologyName: "synthetic", topologyYAML: "",
                    energyTable: [], model: ModelRecord(name: "synthetic", layers: stream.layers, json: "{}"), encoder: "none",
                    timeSteps: stream.timeSteps, logLevel: level, chips: stream.chips, meshX: 16, meshY: 16, mapping: []))
                let sink = try store.makeSink(run: run)
                let start = DispatchTime.now().uptimeNanoseconds
                records.withUnsafeBufferPointer { all in
                    var i = 0
                    while i < all.count {   // the engine hands over batches of a few thousand records
                        let n = min(4096, all.count - i)
                        sink.consume(UnsafeBufferPointer(rebasing: all[i..<i + n]))
                        i += n
                    }
                }
                try sink.close()
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                try store.finishRun(run, status: .complete, totals: RunTotals(
                    ledger: ledger, simulatedTime: records.last?.time ?? .zero, tokens: Int(records.last?.token ?? 0) + 1, wallSeconds: seconds))
                samples.append((seconds, sink.statistics!)) // set by close()
            }
            samples.sort { $0.0 < $1.0 }
            let (seconds, stats) = samples[samples.count / 2]
            return Row(level: level, rows: rows, repetitions: samples.count, seconds: seconds,
                       recordsPerSecond: Double(rows) / seconds, rowsWritten: stats.rows,
                       peakQueuedBytes: stats.peakQueuedBytes, producerWaits: stats.producerWaits,
                       writerRowsPerSecond: Double(stats.rows) / max(stats.writerSeconds, 1e-9),
                       writerRowsPerCPUSecond: Double(stats.rows) / max(stats.writerCPUSeconds, 1e-9))
        }
    }
}
