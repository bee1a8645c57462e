import Energy

/// `--log events`: one `energy_event` row per record, columns in the record's own terms.
extension EnergyRecord: SQLRow {
    static let table = "energy_event"
    static let columns = ["kind", "time_ps", "chip", "core", "layer", "token", "step", "count", "energy_fj"]

    @inline(__always)
    func bind(_ s: OpaquePointer, first i: Int32) {
        bindInt(s, i, Int64(kind.rawValue))
        bindInt(s, i + 1, Int64(bitPattern: time.picoseconds))
        bindInt(s, i + 2, Int64(chip))
        bindOptional(s, i + 3, Int64(core), none: core == EnergyRecord.noCore)
        bindOptional(s, i + 4, Int64(layer), none: layer < 0)
        bindInt(s, i + 5, Int64(token))
        bindOptional(s, i + 6, Int64(step), none: step == EnergyRecord.noStep)
        bindInt(s, i + 7, Int64(count))
        bindInt(s, i + 8, energy.femtojoules)
    }
}
