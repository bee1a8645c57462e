import Energy

/// The grouping of one log level: which record fields make a row.
protocol AggregationKey: Hashable, Comparable {
    init(_ r: EnergyRecord)
    static var table: String { get }
    static var keyColumns: [String] { get }
    func bind(_ s: OpaquePointer, first: Int32)
}

/// `--log steps`: one row per token, time step, core, layer and kind.
struct StepKey: AggregationKey {
    var token: UInt32, core: UInt32, step: UInt16, chip: UInt16, layer: Int16, kind: EnergyKind
    @inline(__always) init(_ r: EnergyRecord) {
        token = r.token; core = r.core; step = r.step; chip = r.chip; layer = r.layer; kind = r.kind
    }
    static func < (a: StepKey, b: StepKey) -> Bool {
        (a.token, a.step, a.chip, a.core, a.layer, a.kind.rawValue) < (b.token, b.step, b.chip, b.core, b.layer, b.kind.rawValue)
    }
    static let table = "energy_step"
    static let keyColumns = ["token", "step", "chip", "core", "layer", "kind"]
    func bind(_ s: OpaquePointer, first i: Int32) {
        bindInt(s, i, Int64(token))
        bindOptional(s, i + 1, Int64(step), none: step == EnergyRecord.noStep)
        bindInt(s, i + 2, Int64(chip))
        bindOptional(s, i + 3, Int64(core), none: core == EnergyRecord.noCore)
        bindOptional(s, i + 4, Int64(layer), none: layer < 0)
        bindInt(s, i + 5, Int64(kind.rawValue))
    }
}

/// One aggregated row ready for insertion.
struct AggregateRow<Key: AggregationKey>: SQLRow {
    var key: Key
    var sums: Accumulator
    static var table: String { Key.table }
    static var columns: [String] { Key.keyColumns + ["count", "energy_fj", "records", "first_time_ps", "last_time_ps"] }
    func bind(_ s: OpaquePointer, first i: Int32) {
        key.bind(s, first: i)
        let j = i + Int32(Key.keyColumns.count)
        bindInt(s, j, Int64(bitPattern: sums.count))
        bindInt(s, j + 1, sums.energy)
        bindInt(s, j + 2, Int64(bitPattern: sums.records))
        bindInt(s, j + 3, Int64(bitPattern: sums.firstTime))
        bindInt(s, j + 4, Int64(bitPattern: sums.lastTime))
    }
}

/// Groups records by `Key`. The sink drains it when the stream reaches a new token, or when
/// `limit` groups are open, which bounds memory if the engine interleaves tokens.
///
/// A key may therefore appear in more than one row (e.g. a token split by the limit); the
/// rows still add up, so queries aggregate with SUM / MIN / MAX, never assume uniqueness.
struct Aggregator<Key: AggregationKey> {
    private var groups: [Key: Accumulator] = [:]
    let limit: Int

    init(limit: Int) { self.limit = limit }

    @inline(__always)
    mutating func add(_ r: EnergyRecord) {
        groups[Key(r), default: Accumulator()].add(r)
    }

    /// Adds sums gathered elsewhere under `key`.
    mutating func add(_ sums: Accumulator, for key: Key) {
        groups[key, default: Accumulator()].merge(sums)
    }

    var isEmpty: Bool { groups.isEmpty }
    var isFull: Bool { groups.count >= limit }

    /// Removes and returns the open groups in key order, so that the same stream always
    /// writes the same rows in the same order (dictionary order varies between processes).
    mutating func drain() -> ContiguousArray<AggregateRow<Key>> {
        var rows = ContiguousArray<AggregateRow<Key>>()
        rows.reserveCapacity(groups.count)
        for (key, sums) in groups { rows.append(AggregateRow(key: key, sums: sums)) }
        groups.removeAll(keepingCapacity: true)
        rows.sort { $0.key < $1.key }
        return rows
    }
}
