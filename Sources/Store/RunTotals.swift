import Energy
import SimKernel

/// The figures a finished run records in its `run` row and `run_total` rows.
///
/// Built from the engine's `EnergyLedger` when a run completes; rebuilt from the stored rows
/// when a run is interrupted, so that the totals of an interrupted run always equal the
/// sum of the rows it left behind.
public struct RunTotals: Sendable, Equatable {
    /// Energy per kind, indexed by `EnergyKind.rawValue`.
    public var energyByKind: [Energy]
    /// Operation count per kind, indexed by `EnergyKind.rawValue`.
    public var countByKind: [UInt64]
    /// Simulated time covered by the run.
    public var simulatedTime: SimTime
    /// Tokens simulated (fully, for a complete run).
    public var tokens: Int
    /// Wall-clock seconds the simulation took.
    public var wallSeconds: Double

    public init(energyByKind: [Energy], countByKind: [UInt64], simulatedTime: SimTime, tokens: Int, wallSeconds: Double) {
        precondition(energyByKind.count == EnergyKind.allCases.count && countByKind.count == EnergyKind.allCases.count,
                     "one entry per EnergyKind")
        self.energyByKind = energyByKind; self.countByKind = countByKind
        self.simulatedTime = simulatedTime; self.tokens = tokens; self.wallSeconds = wallSeconds
    }

    /// The totals of a ledger.
    public init(ledger: EnergyLedger, simulatedTime: SimTime, tokens: Int, wallSeconds: Double) {
        self.init(energyByKind: ledger.byKind, countByKind: ledger.countByKind, simulatedTime: simulatedTime,
                  tokens: tokens, wallSeconds: wallSeconds)
    }

    /// Energy of every kind together.
    public var total: Energy { energyByKind.reduce(.zero, +) }
    /// Energy of one kind.
    public func energy(_ kind: EnergyKind) -> Energy { energyByKind[Int(kind.rawValue)] }
}
