import Energy

/// Energy records of a rank's partitions, window after window, each chunk tagged with its window
/// and partition so that rank 0 can put every rank's chunks back in the order one process hands
/// records to its sink: by window, then by partition.
@usableFromInline
struct RecordChunks {
    /// Chunks as sent: a header, then the records' bytes.
    @usableFromInline private(set) var bytes: [UInt8] = []
    /// Records held.
    @usableFromInline private(set) var records = 0

    @usableFromInline
    struct Header {
        var window: UInt64
        var partition: UInt32
        var count: UInt32
    }

    @usableFromInline init() {}

    /// Appends the records of `partition` in `window` (nothing when there are none).
    @usableFromInline
    mutating func append(window: UInt64, partition: Int, _ chunk: ContiguousArray<EnergyRecord>) {
        guard !chunk.isEmpty else { return }
        let header = Header(window: window, partition: UInt32(partition), count: UInt32(chunk.count))
        withUnsafeBytes(of: header) { bytes.append(contentsOf: $0) }
        chunk.withUnsafeBytes { bytes.append(contentsOf: $0) }
        records += chunk.count
    }

    @usableFromInline
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        records = 0
    }

    /// The records of every rank's chunks (indexed by rank), in (window, partition) order.
    @usableFromInline
    static func ordered(_ ranks: [[UInt8]]) -> ContiguousArray<EnergyRecord> {
        let headerSize = MemoryLayout<Header>.size, stride = MemoryLayout<EnergyRecord>.stride
        var chunks: [(window: UInt64, partition: UInt32, rank: Int, offset: Int, count: Int)] = []
        for (rank, bytes) in ranks.enumerated() {
            var offset = 0
            bytes.withUnsafeBytes { raw in
                while offset < raw.count {
                    precondition(raw.count - offset >= headerSize, "a rank sent a truncated chunk of records")
                    let h = raw.loadUnaligned(fromByteOffset: offset, as: Header.self)
                    let count = Int(h.count)
                    precondition(raw.count - offset - headerSize >= count * stride, "a rank sent a truncated chunk of records")
                    chunks.append((h.window, h.partition, rank, offset + headerSize, count))
                    offset += headerSize + count * stride
                }
            }
        }
        chunks.sort { ($0.window, $0.partition) < ($1.window, $1.partition) }
        var out = ContiguousArray<EnergyRecord>()
        out.reserveCapacity(chunks.reduce(0) { $0 + $1.count })
        for c in chunks {
            ranks[c.rank].withUnsafeBytes { raw in
                for i in 0..<c.count { out.append(raw.loadUnaligned(fromByteOffset: c.offset + i * stride, as: EnergyRecord.self)) }
            }
        }
        return out
    }
}
