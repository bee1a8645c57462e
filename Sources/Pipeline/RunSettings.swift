import Baselines
import Engine
import SimKernel
import Store

/// How a run is executed and stored, independent of where it came from (the CLI, a sweep, a test).
public struct RunSettings: Sendable {
    /// Seed of every random draw (stored with the run).
    public var seed: UInt64
    public var partitions: PartitionScheme
    /// Threads a partitioned run uses (at most one per partition).
    public var threads = 1
    /// The MPI ranks a partitioned run is spread over (nil: one process).
    public var ranks: (any RankGroup)?
    /// Database the run is appended to; nil: nothing is written (totals only).
    public var database: String?
    public var log: LogLevel
    /// The dense baseline table, at any node: it is scaled to the topology's node before use.
    public var baselines: BaselineTable
    /// Batch of the amortised DRAM scenario (1…10^6; 1 leaves only same-memory and DRAM at batch 1).
    public var batch: Int
    /// What started the run, stored with it (a command line, a sweep point).
    public var commandLine: [String]
    public var toolVersion: String
    /// The sweep point the run computes (stored with it; completing the run completes the point).
    public var sweepPoint: SweepPointID?
    /// Aggregate records on the simulation thread (`SQLiteEnergySink.Options.aggregateInline`): set by
    /// sweeps whose workers already fill every core. Matters at the events and steps levels only: at
    /// the summary level the engine tallies its records itself.
    public var aggregateInline = false

    public init(seed: UInt64 = 1, partitions: PartitionScheme = .single, database: String? = nil, log: LogLevel = .summary,
                baselines: BaselineTable, batch: Int = 16, commandLine: [String], toolVersion: String, sweepPoint: SweepPointID? = nil) {
        self.seed = seed; self.partitions = partitions; self.database = database; self.log = log
        self.baselines = baselines; self.batch = batch; self.commandLine = commandLine; self.toolVersion = toolVersion
        self.sweepPoint = sweepPoint
    }

    public static let batchRange = 1...1_000_000

    /// What is wrong with `batch`, or nil: the one message the pipeline and the command give.
    public static func batchProblem(_ batch: Int) -> String? {
        batchRange.contains(batch) ? nil : "--batch must be between 1 and 1000000 tokens, got \(batch)"
    }
}
