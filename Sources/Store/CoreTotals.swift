import Energy

/// Energy and operations per core and kind, for the report's heat map at every log level.
///
/// Indexed arrays rather than a dictionary, updated a batch at a time through raw buffers: cheap
/// enough for the events level's millions of records per second. Memory is 16 bytes per core and
/// kind (about 1.3 MB for 10,000 cores); system-wide records (no core) are kept per chip.
struct CoreTotals {
    private static let kinds = EnergyKind.allCases.count
    /// Energy (fJ) and count of each (core, kind), side by side: one cache line per update.
    private var sums = ContiguousArray<(energy: Int64, count: UInt64)>()
    private var chipOfCore = ContiguousArray<UInt16>()
    private var systemEnergy = ContiguousArray<Int64>()
    private var systemCount = ContiguousArray<UInt64>()

    /// Pre-sized for `cores` (at most 65,536: a small model on a huge mesh uses few of its cores);
    /// `add` grows the tables to the highest core it sees.
    init(cores: Int, chips: Int) {
        grow(cores: min(cores, 1 << 16))
        systemEnergy = ContiguousArray(repeating: 0, count: chips * Self.kinds)
        systemCount = ContiguousArray(repeating: 0, count: chips * Self.kinds)
    }

    private mutating func grow(cores: Int) {
        let extra = cores - chipOfCore.count
        guard extra > 0 else { return }
        sums.append(contentsOf: repeatElement((energy: Int64(0), count: UInt64(0)), count: extra * Self.kinds))
        chipOfCore.append(contentsOf: repeatElement(0, count: extra))
    }

    /// Adds a batch, one record at a time, each first shown to `visit`: the summary level's whole
    /// aggregation is this one pass over records the simulation thread has just written. `visit`
    /// returns false to stop before a record; the result is the number of records added. The tables
    /// are updated through raw buffers (an array write per record would check its uniqueness every
    /// time) and grow when a record names a core beyond them.
    @inline(__always)
    mutating func add(contentsOf records: UnsafeBufferPointer<EnergyRecord>, visit: (EnergyRecord) -> Bool) -> Int {
        let kinds = Self.kinds
        var i = 0
        while i < records.count {
            // The pass stops at a core beyond the tables (which then grow) and at a system-wide
            // record (rare: static power), both handled outside the buffers' scope.
            var beyond = -1
            i = sums.withUnsafeMutableBufferPointer { sums in
                chipOfCore.withUnsafeMutableBufferPointer { chipOfCore in
                    var j = i
                    while j < records.count {
                        let r = records[j]
                        let core = Int(r.core)
                        if r.core == EnergyRecord.noCore || core >= chipOfCore.count { beyond = core; break }
                        guard visit(r) else { return j }
                        let k = core &* kinds &+ Int(r.kind.rawValue)
                        chipOfCore[core] = r.chip
                        sums[k].energy &+= r.energy.femtojoules
                        sums[k].count &+= UInt64(r.count)
                        j &+= 1
                    }
                    return j
                }
            }
            guard beyond >= 0, i < records.count else { return i }
            if records[i].core == EnergyRecord.noCore {
                guard visit(records[i]) else { return i }
                addSystem(records[i])
                i += 1
            } else {
                grow(cores: max(beyond + 1, chipOfCore.count * 2))
            }
        }
        return i
    }

    /// A system-wide record (static power), kept per chip.
    private mutating func addSystem(_ r: EnergyRecord) {
        let chip = Int(r.chip), k = Int(r.kind.rawValue), kinds = Self.kinds
        if chip * kinds >= systemEnergy.count {
            let extra = (chip + 1) * kinds - systemEnergy.count
            systemEnergy.append(contentsOf: repeatElement(0, count: extra))
            systemCount.append(contentsOf: repeatElement(0, count: extra))
        }
        systemEnergy[chip * kinds + k] &+= r.energy.femtojoules
        systemCount[chip * kinds + k] &+= UInt64(r.count)
    }

    /// One row per (core, kind) that received records, then the per-chip system-wide rows.
    func rows() -> ContiguousArray<CoreRow> {
        var rows = ContiguousArray<CoreRow>()
        for i in sums.indices where sums[i].count != 0 || sums[i].energy != 0 {
            let core = i / Self.kinds
            rows.append(CoreRow(chip: chipOfCore[core], core: UInt32(core), kind: UInt8(i % Self.kinds), count: sums[i].count, energy: sums[i].energy))
        }
        for i in systemCount.indices where systemCount[i] != 0 || systemEnergy[i] != 0 {
            rows.append(CoreRow(chip: UInt16(i / Self.kinds), core: EnergyRecord.noCore, kind: UInt8(i % Self.kinds),
                                count: systemCount[i], energy: systemEnergy[i]))
        }
        return rows
    }
}

/// One `core_energy` row.
struct CoreRow: SQLRow {
    var chip: UInt16, core: UInt32, kind: UInt8, count: UInt64, energy: Int64
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
