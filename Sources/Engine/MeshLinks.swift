import Energy
import SimKernel
import Topology

/// The mesh's links as packets occupy them: when each router output port is next free, how many
/// packets left it, and the price of a hop. Every chip model moves packets through this one
/// seam (the LLM dataflow in `ChipState`, generic networks in `Networks`), so serialisation,
/// contention, buffer drops and hop prices are written once.
public struct MeshLinks: Sendable {
    public let costs: HardwareCosts
    /// The routers modelled: every route between two of them stays among them (see `init`).
    public let cores: Range<Int>
    /// Chip of each core of `cores`.
    @usableFromInline let chipOfCore: ContiguousArray<UInt16>
    /// When each port ((core − first core) × 4 + port) is next free, in ps.
    @usableFromInline var free: ContiguousArray<UInt64>
    /// Packets that left each port.
    @usableFromInline var packets: ContiguousArray<UInt32>

    /// One packet's crossing of one link.
    public struct Hop: Sendable {
        public let to: Int
        public let arrival: SimTime
        public let crossesChip: Bool
        /// Flits × the hop's price.
        public let energy: Energy
        public let flits: Int64
    }

    /// The links of the routers `cores` (default: the whole system). Dimension-order routes never leave
    /// the rows of their two ends, so whole rows, from the first to the last row holding a mapped
    /// core, hold every packet's path: memory follows what is mapped, not the size of the mesh.
    public init(_ t: Topology, costs: HardwareCosts, cores: Range<Int>? = nil) {
        let cores = cores ?? 0..<t.coreCount
        self.costs = costs
        self.cores = cores
        chipOfCore = ContiguousArray(cores.map { UInt16(t.chip(of: $0)) })
        free = ContiguousArray(repeating: 0, count: cores.count * 4)
        packets = ContiguousArray(repeating: 0, count: cores.count * 4)
    }

    /// The chip of `core` (one of `cores`).
    @inline(__always)
    public func chip(of core: Int) -> UInt16 { chipOfCore[core &- cores.lowerBound] }

    /// Moves a packet from router `from` through `port` to its neighbour: waits for the output link,
    /// occupies it for the packet's serialisation time and returns the hop, or nil when the output
    /// buffer is full and the packet is dropped.
    @inline(__always)
    public mutating func hop(from: Int, through port: Port, graded: Bool, now: SimTime) -> Hop? {
        let to = costs.routing.neighbour(of: from, through: port)
        let crossing = chip(of: from) != chip(of: to)
        let ser = crossing ? (graded ? costs.serializeGradedChip : costs.serializeSpikeChip) : (graded ? costs.serializeGraded : costs.serializeSpike)
        let link = (from &- cores.lowerBound) &* 4 &+ Int(port.rawValue)
        let depart = Swift.max(now.picoseconds, free[link])
        if costs.bufferPackets > 0, ser > 0, (depart &- now.picoseconds) / ser >= costs.bufferPackets { return nil }
        free[link] = depart &+ ser
        packets[link] &+= 1
        let cost = costs.hop(port, crossing: crossing)
        let flits = graded ? costs.flitsGraded : costs.flitsSpike
        return Hop(to: to, arrival: SimTime(picoseconds: depart &+ ser &+ cost.latency.picoseconds), crossesChip: crossing,
                   energy: cost.energy * flits, flits: flits)
    }

    /// Adds the packets counted by another replica of the same mesh (whose partition owns other routers).
    public mutating func addPackets(of other: MeshLinks) { addPackets(other.packetCounts) }

    /// Packets that left each port, by (core − first core) × 4 + port.
    public var packetCounts: [UInt32] { Array(packets) }

    /// Adds packet counts of the same ports (another replica's, or another rank's).
    public mutating func addPackets(_ counts: [UInt32]) {
        precondition(counts.count == packets.count, "meshes of different sizes")
        for i in packets.indices { packets[i] &+= counts[i] }
    }

    /// The ports that carried packets, in core and port order.
    public func loads() -> [LinkLoad] {
        var out: [LinkLoad] = []
        for (link, n) in packets.enumerated() where n > 0 {
            let core = cores.lowerBound + link / 4, dir = Port(rawValue: UInt8(link % 4))!
            let neighbour = costs.routing.neighbour(of: core, through: dir)
            out.append(LinkLoad(core: core, chip: Int(chip(of: core)), direction: dir,
                                crossesChip: chip(of: core) != chip(of: neighbour), packets: UInt64(n)))
        }
        return out
    }
}
