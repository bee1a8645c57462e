import SimKernel

/// The summary level of the energy stream, tallied record by record: per (token, layer, kind) sums (the
/// database's `energy_summary` rows), per (core, kind) totals (`core_energy`), and the run's ledger.
///
/// The engine tallies its own records when its sink needs no more than this (`EnergySink.needs`): the
/// default run then never stores, hands over or reads again the ~80 million records of a 7B token. The
/// SQLite sink tallies the records it does receive (partitioned runs, networks, the events and steps
/// levels) with this same code, so both give the same rows.
///
/// A token's rows are complete when the stream reaches a later token; `takeRows()` then returns them,
/// sorted by (token, layer, kind). A record of an earlier token, or of a layer beyond the table, is kept in a spill
/// table written with the next rows (or when it holds `spillLimit` keys): a key may then appear in more
/// than one row, and the rows add up, as the database's queries assume.
///
/// Every sum lives in one slab of 64-bit words, so that a record costs one uniqueness check of the
/// copy-on-write storage rather than one per table.
public struct EnergyTally {
    /// One `energy_summary` row.
    public struct Row: Sendable, Equatable {
        public var token: UInt32
        public var layer: Int16
        public var kind: EnergyKind
        public var sums: Accumulator
    }

    /// One `core_energy` row: a core's (or, with `core` = `EnergyRecord.noCore`, a chip's system-wide) total of one kind.
    public struct CoreTotal: Sendable, Equatable {
        public var chip: UInt16
        public var core: UInt32
        public var kind: UInt8
        public var count: UInt64
        public var energy: Int64
    }

    @usableFromInline static let kinds = EnergyKind.allCases.count
    /// Layers −1 ..< 1024 have a slot per kind (the LM head is the model's layer count).
    @usableFromInline static let denseLayers = 1025
    /// Words per slot: count, energy, records, first time, last time.
    @usableFromInline static let slotWords = 5

    @usableFromInline var slab: ContiguousArray<UInt64>
    @usableFromInline let chips: Int
    /// Cores the per-core part of the slab holds; grows to the highest core seen.
    @usableFromInline var capacity: Int
    @usableFromInline var token: UInt32 = 0
    @usableFromInline var started = false
    /// First word of the highest dense slot written since the last fold: folding visits no further.
    @usableFromInline var highestWord = -1
    @usableFromInline var spill: [SpillKey: Accumulator] = [:]
    @usableFromInline let spillLimit: Int
    @usableFromInline var ledger: EnergyLedger
    /// Finished rows not yet taken, in (token, layer, kind) order within each fold.
    @usableFromInline private(set) var rows: [Row] = []

    @usableFromInline struct SpillKey: Hashable {
        var token: UInt32, layer: Int16, kind: UInt8
    }

    /// Whether the tables are allocated (a tally that will never be given a record holds none).
    let allocated: Bool

    /// - Parameters:
    ///   - layers: the ledger's layers (its last index collects records with no layer or beyond).
    ///   - cores: cores expected (the table grows past them when a record names a higher one).
    ///   - chipOfCore: each core's chip, when the caller knows them (the engine); otherwise records tell.
    ///   - allocated: false for a tally that will not be used: no tables are allocated.
    public init(layers: Int, chips: Int, cores: Int, spillLimit: Int = 1 << 18, chipOfCore: [UInt16]? = nil, allocated: Bool = true) {
        self.chips = max(chips, 1)
        capacity = min(max(cores, 0), 1 << 16)
        self.spillLimit = max(1, spillLimit)
        self.allocated = allocated
        kindCount = Self.kinds
        chipBase = Self.denseLayers * Self.kinds * Self.slotWords
        systemBase = chipBase + self.chips
        chipOfCoreBase = systemBase + self.chips * Self.kinds * 2
        coreBase = chipOfCoreBase + capacity
        ledger = EnergyLedger(layers: layers, chips: chips)
        slab = allocated ? Self.emptySlab(chips: self.chips, capacity: capacity) : []
        knownChips = chipOfCore
        if let chipOfCore, allocated {
            for core in 0..<min(capacity, chipOfCore.count) { slab[chipOfCoreBase + core] = UInt64(chipOfCore[core]) }
        }
    }

    /// Each core's chip as the caller gave them (nil: taken from the records, a store per record).
    @usableFromInline let knownChips: [UInt16]?

    // Slab layout: dense slots | energy per chip | system (energy, count) per chip and kind | chip of each
    // core | (energy, count) per kind and core, kind-major (a packet's successive hops are on neighbouring
    // cores, whose entries then share cache lines).
    // The kinds and the parts' offsets, stored rather than computed: `add` reads them for every record
    // (`Self.kinds`, initialised at run time, is read through a lazy accessor).
    @usableFromInline let kindCount: Int
    @usableFromInline let chipBase: Int
    @usableFromInline let systemBase: Int
    @usableFromInline let chipOfCoreBase: Int
    @usableFromInline var coreBase: Int

    static func emptySlab(chips: Int, capacity: Int) -> ContiguousArray<UInt64> {
        let dense = denseLayers * kinds * slotWords
        var slab = ContiguousArray<UInt64>(repeating: 0, count: dense + chips + chips * kinds * 2 + capacity * (1 + kinds * 2))
        for s in 0..<(denseLayers * kinds) { slab[s * slotWords + 3] = .max }
        return slab
    }

    /// Whether `token` is beyond every token seen: its first record ends the rows of those before it.
    @inlinable public func startsToken(_ token: UInt32) -> Bool { !started || token > self.token }

    /// Ends the current token's rows (they join `rows`) and makes `token` current.
    public mutating func begin(token: UInt32) {
        if started { fold() }
        self.token = token
        started = true
    }

    /// Adds one record. With `perCore` false it joins every sum but its core's total (`core_energy`),
    /// which the caller adds in bulk with `addCoreTotal`: sums of many records on one core and kind.
    @inlinable @inline(__always)
    public mutating func add(_ r: EnergyRecord, perCore: Bool = true) {
        if startsToken(r.token) { begin(token: r.token) }
        let core = Int(r.core), system = r.core == EnergyRecord.noCore
        if !system && core >= capacity { grow(toInclude: core) }
        let layerSlot = Int(r.layer) &+ 1
        let dense = r.token == token && layerSlot >= 0 && layerSlot < Self.denseLayers
        if !dense { addSpilled(r) }
        let k = Int(r.kind.rawValue), kinds = kindCount, chip = Int(r.chip)
        let d = (layerSlot &* kinds &+ k) &* Self.slotWords
        let energy = UInt64(bitPattern: r.energy.femtojoules), count = UInt64(r.count), time = r.time.picoseconds
        let chips = self.chips, capacity = self.capacity
        let chipBase = self.chipBase, systemBase = self.systemBase, chipOfCoreBase = self.chipOfCoreBase, coreBase = self.coreBase
        let chipsKnown = knownChips != nil
        var highest = highestWord
        slab.withUnsafeMutableBufferPointer { p in
            if dense {
                if d > highest { highest = d }
                p[d] &+= count
                p[d &+ 1] &+= energy
                p[d &+ 2] &+= 1
                if time < p[d &+ 3] { p[d &+ 3] = time }
                if time > p[d &+ 4] { p[d &+ 4] = time }
            }
            let known = chip < chips
            if known { p[chipBase &+ chip] &+= energy }
            if system {
                // The engine's and the store's chips are the topology's; a system record names one of them.
                guard known else { return }
                let s = systemBase &+ (chip &* kinds &+ k) &* 2
                p[s] &+= energy
                p[s &+ 1] &+= count
            } else if perCore {
                if !chipsKnown { p[chipOfCoreBase &+ core] = UInt64(chip) }
                let c = coreBase &+ (k &* capacity &+ core) &* 2
                p[c] &+= energy
                p[c &+ 1] &+= count
            }
        }
        highestWord = highest
    }

    /// Adds `count` operations costing `energy` in all to `core`'s total of `kind`, and nothing else:
    /// the per-core part of records that were added with `perCore` false. Needs the cores' chips
    /// (`chipOfCore` at `init`).
    public mutating func addCoreTotal(core: Int, kind: EnergyKind, count: UInt64, energy: Energy) {
        precondition(knownChips != nil && core >= 0, "per-core totals need the cores' chips")
        if core >= capacity { grow(toInclude: core) }
        let c = coreBase + (Int(kind.rawValue) * capacity + core) * 2
        slab[c] &+= UInt64(bitPattern: energy.femtojoules)
        slab[c + 1] &+= count
    }

    /// A record off the dense table, into the spill table.
    @usableFromInline
    mutating func addSpilled(_ r: EnergyRecord) {
        spill[SpillKey(token: r.token, layer: r.layer, kind: r.kind.rawValue), default: Accumulator()].add(r)
        if spill.count >= spillLimit { drainSpill() }
    }

    /// Spilled sums into the ledger and `rows`, sorted.
    mutating func drainSpill() {
        guard !spill.isEmpty else { return }
        let start = rows.count
        appendSpill()
        Self.sort(&rows, from: start)
    }

    /// Spilled sums into the ledger and `rows` (unsorted), and the spill table emptied.
    mutating func appendSpill() {
        for (key, sums) in spill {
            let kind = EnergyKind(rawValue: key.kind)!
            ledger.add(sums, layer: key.layer, kind: kind)
            rows.append(Row(token: key.token, layer: key.layer, kind: kind, sums: sums))
        }
        spill.removeAll(keepingCapacity: true)
    }

    /// The current token's dense sums (and the spill table) into the ledger and `rows`.
    mutating func fold() {
        let start = rows.count
        var folded: [(slot: Int, sums: Accumulator)] = []
        if highestWord >= 0 {
            let words = Self.slotWords, last = highestWord
            slab.withUnsafeMutableBufferPointer { p in
                for d in stride(from: 0, through: last, by: words) where p[d &+ 2] > 0 {
                    var sums = Accumulator()
                    sums.count = p[d]; sums.energy = Int64(bitPattern: p[d + 1]); sums.records = p[d + 2]
                    sums.firstTime = p[d + 3]; sums.lastTime = p[d + 4]
                    folded.append((d / words, sums))
                    p[d] = 0; p[d + 1] = 0; p[d + 2] = 0; p[d + 3] = .max; p[d + 4] = 0
                }
            }
            highestWord = -1
        }
        for (slot, sums) in folded {
            let layer = Int16(slot / Self.kinds - 1), kind = EnergyKind(rawValue: UInt8(slot % Self.kinds))!
            ledger.add(sums, layer: layer, kind: kind)
            rows.append(Row(token: token, layer: layer, kind: kind, sums: sums))
        }
        appendSpill()
        Self.sort(&rows, from: start)
    }

    static func sort(_ rows: inout [Row], from start: Int) {
        rows[start...].sort { ($0.token, $0.layer, $0.kind.rawValue) < ($1.token, $1.layer, $1.kind.rawValue) }
    }

    /// Re-lays the per-core part for at least `core + 1` cores (doubling).
    @usableFromInline
    mutating func grow(toInclude core: Int) {
        let old = capacity, wider = max(core + 1, old * 2)
        var bigger = Self.emptySlab(chips: chips, capacity: wider)
        let head = chipOfCoreBase   // dense, chips and system parts keep their places
        for i in 0..<head { bigger[i] = slab[i] }
        for c in 0..<old { bigger[head + c] = slab[head + c] }
        if let knownChips { for c in old..<min(wider, knownChips.count) { bigger[head + c] = UInt64(knownChips[c]) } }
        let oldCores = head + old, newCores = head + wider
        for k in 0..<Self.kinds {
            for c in 0..<old {
                bigger[newCores + (k * wider + c) * 2] = slab[oldCores + (k * old + c) * 2]
                bigger[newCores + (k * wider + c) * 2 + 1] = slab[oldCores + (k * old + c) * 2 + 1]
            }
        }
        slab = bigger
        capacity = wider
        coreBase = chipOfCoreBase + wider
    }

    /// Whether finished rows wait to be taken.
    @inlinable public var hasRows: Bool { !rows.isEmpty }

    /// The finished rows, removed.
    public mutating func takeRows() -> [Row] {
        defer { rows.removeAll(keepingCapacity: true) }
        return rows
    }

    /// Ends the stream: the last token's rows (and the spill table), the per-core totals (one per core and
    /// kind that received records, by core then kind, then the system-wide ones per chip), and the ledger of
    /// everything added. The tally is then empty.
    public mutating func finish() -> (rows: [Row], cores: [CoreTotal], ledger: EnergyLedger) {
        if started { fold() }
        drainSpill()
        var cores: [CoreTotal] = []
        for core in 0..<capacity {
            for k in 0..<Self.kinds {
                let c = coreBase + (k * capacity + core) * 2
                guard slab[c] != 0 || slab[c + 1] != 0 else { continue }
                cores.append(CoreTotal(chip: UInt16(slab[chipOfCoreBase + core]), core: UInt32(core), kind: UInt8(k),
                                       count: slab[c + 1], energy: Int64(bitPattern: slab[c])))
            }
        }
        for chip in 0..<chips {
            for k in 0..<Self.kinds {
                let s = systemBase + (chip * Self.kinds + k) * 2
                guard slab[s] != 0 || slab[s + 1] != 0 else { continue }
                cores.append(CoreTotal(chip: UInt16(chip), core: EnergyRecord.noCore, kind: UInt8(k), count: slab[s + 1],
                                       energy: Int64(bitPattern: slab[s])))
            }
        }
        var ledger = self.ledger
        for chip in 0..<chips { ledger.addChip(chip, Energy(femtojoules: Int64(bitPattern: slab[chipBase + chip]))) }
        let rows = takeRows()
        self = EnergyTally(layers: ledger.byLayer.count - 1, chips: ledger.byChip.count, cores: capacity, spillLimit: spillLimit,
                           chipOfCore: knownChips, allocated: allocated)
        return (rows, cores, ledger)
    }
}
