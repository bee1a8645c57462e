import GRDBSQLite

/// Packets that crossed one router port (`link_traffic`), for "hottest links" queries.
public struct LinkTrafficRow: Sendable, Equatable {
    public var chip: Int
    /// Core/router index within the system (same numbering as the energy stream's `core`).
    public var router: Int
    /// Port: "north", "south", "east", "west", "local", or "chip" for chip-to-chip links.
    public var direction: String
    public var packets: Int

    public init(chip: Int, router: Int, direction: String, packets: Int) {
        self.chip = chip; self.router = router; self.direction = direction; self.packets = packets
    }
}

/// Written through the raw inserter: a 7B run has tens of thousands of busy ports.
extension LinkTrafficRow: SQLRow {
    static let table = "link_traffic"
    static let columns = ["chip", "router", "direction", "packets"]
    func bind(_ s: OpaquePointer, first i: Int32) {
        bindInt(s, i, Int64(chip))
        bindInt(s, i + 1, Int64(router))
        bindText(s, i + 2, direction)
        bindInt(s, i + 3, Int64(packets))
    }
}
