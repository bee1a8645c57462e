/// Running totals of the energy stream: by kind, by layer and by chip, plus operation counts.
///
/// The engine adds every record it emits here as well as handing it to its sink, so a
/// run always knows its totals even when records are discarded. Because `Energy` is
/// fixed point, `total` is exactly the sum of the stream whatever the order of records.
public struct EnergyLedger: Sendable, Equatable, Codable {
    @usableFromInline var _byKind: [Energy]
    @usableFromInline var _countByKind: [UInt64]
    @usableFromInline var _byLayer: [Energy]
    @usableFromInline var _byChip: [Energy]
    @usableFromInline var _records: UInt64 = 0

    /// Energy per kind, indexed by `EnergyKind.rawValue`.
    public var byKind: [Energy] { _byKind }
    /// Operation counts per kind, indexed by `EnergyKind.rawValue`.
    public var countByKind: [UInt64] { _countByKind }
    /// Energy per layer; index `layers` collects records with no layer (-1) or beyond the range.
    public var byLayer: [Energy] { _byLayer }
    /// Energy per chip.
    public var byChip: [Energy] { _byChip }
    /// Number of records added.
    public var records: UInt64 { _records }

    public init(layers: Int, chips: Int) {
        _byKind = Array(repeating: .zero, count: EnergyKind.allCases.count)
        _countByKind = Array(repeating: 0, count: EnergyKind.allCases.count)
        _byLayer = Array(repeating: .zero, count: layers + 1)
        _byChip = Array(repeating: .zero, count: max(chips, 1))
    }

    /// Adds one record.
    public mutating func add(_ r: EnergyRecord) {
        withUnsafePointer(to: r) { add(UnsafeBufferPointer(start: $0, count: 1)) }
    }

    /// Adds a batch of records; one pass with the arrays' storage held, for the engine's flushes.
    @inlinable
    public mutating func add(_ records: UnsafeBufferPointer<EnergyRecord>) {
        let lastLayer = _byLayer.count - 1
        let chips = _byChip.count
        _byKind.withUnsafeMutableBufferPointer { kind in
            _countByKind.withUnsafeMutableBufferPointer { count in
                _byLayer.withUnsafeMutableBufferPointer { layer in
                    _byChip.withUnsafeMutableBufferPointer { chip in
                        for r in records {
                            let k = Int(r.kind.rawValue)
                            kind[k] += r.energy
                            count[k] &+= UInt64(r.count)
                            layer[Self.slot(ofLayer: r.layer, last: lastLayer)] += r.energy
                            if Int(r.chip) < chips { chip[Int(r.chip)] += r.energy }
                        }
                    }
                }
            }
        }
        _records &+= UInt64(records.count)
    }

    /// The `byLayer` index of `layer`: its own below `last`, `last` for no layer (−1) or beyond.
    @inlinable @inline(__always)
    static func slot(ofLayer layer: Int16, last: Int) -> Int {
        let l = Int(layer)
        return (l >= 0 && l < last) ? l : last
    }

    /// Adds the sums of records of one layer and kind (`EnergyTally` folds its tables in with this).
    mutating func add(_ sums: Accumulator, layer: Int16, kind: EnergyKind) {
        let k = Int(kind.rawValue)
        _byKind[k] += Energy(femtojoules: sums.energy)
        _countByKind[k] &+= sums.count
        _byLayer[Self.slot(ofLayer: layer, last: _byLayer.count - 1)] += Energy(femtojoules: sums.energy)
        _records &+= sums.records
    }

    /// Adds energy to one chip's total.
    mutating func addChip(_ chip: Int, _ energy: Energy) {
        if chip < _byChip.count { _byChip[chip] += energy }
    }

    /// Adds every record of `other` (e.g. the ledger of another partition or token).
    public mutating func merge(_ other: EnergyLedger) {
        precondition(other.byKind.count == byKind.count && other.byLayer.count == byLayer.count && other.byChip.count == byChip.count,
                     "ledgers of different shapes")
        for i in _byKind.indices { _byKind[i] += other._byKind[i]; _countByKind[i] &+= other._countByKind[i] }
        for i in _byLayer.indices { _byLayer[i] += other._byLayer[i] }
        for i in _byChip.indices { _byChip[i] += other._byChip[i] }
        _records &+= other._records
    }

    /// Energy of one kind.
    public func energy(_ kind: EnergyKind) -> Energy { byKind[Int(kind.rawValue)] }
    /// Operation count of one kind.
    public func count(_ kind: EnergyKind) -> UInt64 { countByKind[Int(kind.rawValue)] }
    /// Total energy of every record.
    public var total: Energy { byKind.reduce(.zero, +) }
}
