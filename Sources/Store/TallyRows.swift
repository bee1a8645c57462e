import Energy
import GRDBSQLite

/// An `energy_summary` row: the summary's sums of one token, layer and kind (every level writes them).
extension EnergyTally.Row: SQLRow {
    static let table = "energy_summary"
    static let columns = ["token", "layer", "kind", "count", "energy_fj", "records", "first_time_ps", "last_time_ps"]
    func bind(_ s: OpaquePointer, first i: Int32) {
        bindInt(s, i, Int64(token))
        bindOptional(s, i + 1, Int64(layer), none: layer < 0)
        bindInt(s, i + 2, Int64(kind.rawValue))
        bindInt(s, i + 3, Int64(bitPattern: sums.count))
        bindInt(s, i + 4, sums.energy)
        bindInt(s, i + 5, Int64(bitPattern: sums.records))
        bindInt(s, i + 6, Int64(bitPattern: sums.firstTime))
        bindInt(s, i + 7, Int64(bitPattern: sums.lastTime))
    }
}

/// A `core_energy` row: energy and operations of one kind on one core (or, with no core, a chip's system-wide).
extension EnergyTally.CoreTotal: SQLRow {
    static let table = "core_energy"
    static let columns = ["chip", "core", "kind", "count", "energy_fj"]
    func bind(_ s: OpaquePointer, first i: Int32) {
        bindInt(s, i, Int64(chip))
        bindOptional(s, i + 1, Int64(core), none: core == EnergyRecord.noCore)
        bindInt(s, i + 2, Int64(kind))
        bindInt(s, i + 3, Int64(bitPattern: count))
        bindInt(s, i + 4, energy)
    }
}
