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
    /// Each port ((core − first core) × 4 + port): when it is next free and the packets that left it,
    /// side by side, so that a hop touches one entry of one table.
    @usableFromInline var ports: ContiguousArray<PortState>

    @usableFromInline struct PortState: Sendable {
        /// When the port is next free, in ps.
        @usableFromInline var free: UInt64 = 0
        /// Packets that left the port: all of them, and the graded and control ones (spikes are the rest).
        @usableFromInline var packets: UInt64 = 0
        @usableFromInline var graded: UInt64 = 0
        @usableFromInline var control: UInt64 = 0
    }

    /// What a packet is to the links: how many flits it takes (`flitsSpike` or `flitsGraded`) and what
    /// its hops are charged as (data hops, or `control` for completion markers, priced like spikes).
    public enum PacketClass: Sendable { case spike, graded, control }

    /// One packet's crossing of one link.
    public struct Hop: Sendable {
        public let to: Int
        public let arrival: SimTime
        public let crossesChip: Bool
        /// `routerHop`, `chipCrossing`, or `control` for a control packet.
        public let kind: EnergyKind
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
        ports = ContiguousArray(repeating: PortState(), count: cores.count * 4)
    }

    /// The chip of `core` (one of `cores`).
    @inline(__always)
    public func chip(of core: Int) -> UInt16 { chipOfCore[core &- cores.lowerBound] }

    /// Moves a packet from router `from` through `port` to its neighbour: waits for the output link,
    /// occupies it for the packet's serialisation time and returns the hop, or nil when the output
    /// buffer is full and the packet is dropped.
    @inline(__always)
    public mutating func hop(from: Int, through port: Port, _ packet: PacketClass, now: SimTime) -> Hop? {
        let to = costs.routing.neighbour(of: from, through: port)
        let crossing = chip(of: from) != chip(of: to)
        let graded = packet == .graded
        let ser = crossing ? (graded ? costs.serializeGradedChip : costs.serializeSpikeChip) : (graded ? costs.serializeGraded : costs.serializeSpike)
        let link = (from &- cores.lowerBound) &* 4 &+ Int(port.rawValue)
        let buffer = costs.bufferPackets
        let depart: UInt64? = ports.withUnsafeMutableBufferPointer { p in
            let depart = Swift.max(now.picoseconds, p[link].free)
            if buffer > 0, ser > 0, (depart &- now.picoseconds) / ser >= buffer { return nil }
            p[link].free = depart &+ ser
            p[link].packets &+= 1
            if packet == .graded { p[link].graded &+= 1 } else if packet == .control { p[link].control &+= 1 }
            return depart
        }
        guard let depart else { return nil }
        let cost = costs.hop(port, crossing: crossing)
        let flits = graded ? costs.flitsGraded : costs.flitsSpike
        return Hop(to: to, arrival: SimTime(picoseconds: depart &+ ser &+ cost.latency.picoseconds), crossesChip: crossing,
                   kind: Self.kind(packet, crossing: crossing), energy: cost.energy * flits, flits: flits)
    }

    @inline(__always)
    static func kind(_ packet: PacketClass, crossing: Bool) -> EnergyKind {
        packet == .control ? .control : (crossing ? .chipCrossing : .routerHop)
    }

    /// Every router's hops by energy kind, flits and energy, from the port counts: the same sums as the
    /// hops' records (`Hop.kind`, `Hop.flits`, `Hop.energy`) added router by router. An engine that
    /// tallies its own records takes its per-router hop totals from here rather than record by record,
    /// which would touch a table entry per hop (docs/performance.md).
    public func hopTotals(_ visit: (_ core: Int, _ kind: EnergyKind, _ flits: Int64, _ energy: Energy) -> Void) {
        forEachUsedPort { core, port, crossing, state in
            let price = costs.hop(port, crossing: crossing).energy
            let data = Int64(state.packets - state.graded - state.control) * costs.flitsSpike + Int64(state.graded) * costs.flitsGraded
            if data > 0 { visit(core, Self.kind(.spike, crossing: crossing), data, price * data) }
            let controlFlits = Int64(state.control) * costs.flitsSpike
            if controlFlits > 0 { visit(core, .control, controlFlits, price * controlFlits) }
        }
    }

    /// Every port that carried packets, in core and port order: its router, direction, whether its link
    /// crosses chips, and its counts.
    func forEachUsedPort(_ body: (_ core: Int, _ port: Port, _ crossing: Bool, _ state: PortState) -> Void) {
        for (link, state) in ports.enumerated() where state.packets > 0 {
            let core = cores.lowerBound + link / 4, port = Port(rawValue: UInt8(link % 4))!
            body(core, port, chip(of: core) != chip(of: costs.routing.neighbour(of: core, through: port)), state)
        }
    }

    /// Adds the packets counted by another replica of the same mesh (whose partition owns other routers).
    public mutating func addPackets(of other: MeshLinks) { addPackets(other.packetCounts) }

    /// Packets that left each port, by (core − first core) × 4 + port, then the graded and then the
    /// control ones.
    public var packetCounts: [UInt64] { ports.map(\.packets) + ports.map(\.graded) + ports.map(\.control) }

    /// Adds packet counts of the same ports (another replica's, or another rank's: `packetCounts`).
    public mutating func addPackets(_ counts: [UInt64]) {
        let n = ports.count
        precondition(counts.count == 3 * n, "meshes of different sizes")
        for i in ports.indices {
            ports[i].packets &+= counts[i]; ports[i].graded &+= counts[n + i]; ports[i].control &+= counts[2 * n + i]
        }
    }

    /// The ports that carried packets, in core and port order.
    public func loads() -> [LinkLoad] {
        var out: [LinkLoad] = []
        forEachUsedPort { core, port, crossing, state in
            out.append(LinkLoad(core: core, chip: Int(chip(of: core)), direction: port, crossesChip: crossing, packets: state.packets))
        }
        return out
    }
}
