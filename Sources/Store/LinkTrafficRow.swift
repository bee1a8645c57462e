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
