/// How much of the energy stream a run stores, chosen with `--log`.
///
/// Every level also stores the per-token, per-layer, per-kind summary and the per-core
/// totals, so that reports work whatever the level; the levels differ in the detail table.
public enum LogLevel: String, Sendable, CaseIterable {
    /// One `energy_event` row per record of the stream.
    case events
    /// One `energy_step` row per token, time step, core, layer and kind.
    case steps
    /// Only `energy_summary` (per token, layer and kind) and `core_energy`.
    case summary
}
