/// Everything needed to reproduce or interpret a run, written once when it begins.
///
/// The store keeps the topology's YAML text and the model's shape verbatim, so a database
/// file is self-describing: a report read years later knows the chip and the energy table
/// the numbers came from.
public struct RunInfo: Sendable, Equatable {
    /// The command line as the process received it (`CommandLine.arguments`).
    public var commandLine: [String]
    /// `spikechip --version` of the writer.
    public var toolVersion: String
    /// Seed of every random choice in the run.
    public var seed: UInt64
    /// Topology name and the full YAML text it was read from.
    public var topologyName: String
    public var topologyYAML: String
    /// The topology's energy table after defaults were applied: what each operation cost.
    public var energyTable: [EnergyTableEntry]
    /// The model that was mapped.
    public var model: ModelRecord
    /// Spike encoder name (e.g. "ternary") and time steps per token.
    public var encoder: String
    public var timeSteps: Int
    /// Detail of the energy stream that is stored.
    public var logLevel: LogLevel
    /// Number of chips, and the core mesh of one chip (`meshX` columns × `meshY` rows).
    public var chips: Int
    public var meshX: Int
    public var meshY: Int
    /// Which cores each layer's projections occupy.
    public var mapping: [MappingRow]
    /// The sweep point this run computes (nil: a run of its own). Completing the run completes the point.
    public var sweepPoint: SweepPointID?

    public init(commandLine: [String], toolVersion: String, seed: UInt64, topologyName: String, topologyYAML: String,
                energyTable: [EnergyTableEntry], model: ModelRecord, encoder: String, timeSteps: Int, logLevel: LogLevel,
                chips: Int, meshX: Int, meshY: Int, mapping: [MappingRow], sweepPoint: SweepPointID? = nil) {
        self.commandLine = commandLine; self.toolVersion = toolVersion; self.seed = seed
        self.topologyName = topologyName; self.topologyYAML = topologyYAML; self.energyTable = energyTable
        self.model = model; self.encoder = encoder; self.timeSteps = timeSteps; self.logLevel = logLevel
        self.chips = chips; self.meshX = meshX; self.meshY = meshY; self.mapping = mapping
        self.sweepPoint = sweepPoint
    }

    /// Cores per chip: the global core index of the energy stream is `chip * coresPerChip + y * meshX + x`.
    public var coresPerChip: Int { meshX * meshY }

    func validate() throws {
        guard chips >= 1, meshX >= 1, meshY >= 1 else {
            throw StoreError.invalidArgument("run info: chips (\(chips)) and mesh \(meshX)×\(meshY) must all be at least 1")
        }
        guard timeSteps >= 0 else { throw StoreError.invalidArgument("run info: time steps \(timeSteps) must not be negative") }
        for row in mapping where row.cores < 0 || row.firstChip < 0 || row.lastChip < row.firstChip || row.lastChip >= chips {
            throw StoreError.invalidArgument(
                "mapping row layer \(row.layer) \(row.projection): cores \(row.cores), chips \(row.firstChip)...\(row.lastChip) do not fit a system of \(chips) chips")
        }
    }
}
