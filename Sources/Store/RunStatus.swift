/// Where a run stands. Stored as text in `run.status`.
public enum RunStatus: String, Sendable, CaseIterable {
    /// Begun and not yet finished. A run still `running` whose writer is gone is reported
    /// (and, on the next read-write open, recorded) as `interrupted`.
    case running
    /// Every token was simulated and every record written.
    case complete
    /// Stopped early (signal, disk full, crash); its rows are the prefix written before the stop.
    case interrupted
}
