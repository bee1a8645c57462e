/// The payload of every event of the chip model: a packet at a router, or a timer.
///
/// Each cargo is made by its own constructor and read through accessors named for what it
/// carries (`spikeGroup`, `axon`, `stage`, `sourceTile`, `treeNode`, `destination`), so no handler
/// reads a field whose meaning depends on the cargo. Underneath, the fields share 20 bytes without
/// references (events are copied through the queue millions of times): the accessors check in
/// debug builds that the cargo has what they read.
///
/// | cargo | made by | carries |
/// |---|---|---|
/// | spike | `spike` | spike group, axon (row in the group's row block), step, sign, token |
/// | marker | `marker` | spike group, step, token |
/// | graded, partialSpike, partialDone | `graded` (then `with(cargo:)`) | source tile, stage, step, token |
/// | token | `sampledToken` | the stage that sent it, token |
/// | credit | `credit` | the stage whose tiles are free, token |
/// | (timers) | `stageReady`, `tick` | stage, step, token |
///
/// A packet is a tree packet (`treeNode`: its node in the group's multicast tree) or a unicast
/// packet (`destination`: the core it is routed to); `unicast(to:)` and `atTreeNode(_:)` move it.
public struct ChipMessage: Sendable {
    /// What the event is.
    public enum Kind: UInt8, Sendable {
        /// A packet on a multicast tree, now at the router of `treeNode`.
        case treePacket
        /// A packet routed dimension-order towards core `destination`.
        case unicastPacket
        /// A function unit has finished its work and starts encoding (self-event).
        case stageReady
        /// A global tick boundary for the tile on this core (global-tick sync).
        case tick
    }

    /// What a packet carries.
    public enum Cargo: UInt8, Sendable {
        /// A spike for axon `axon` of a tile.
        case spike
        /// End of time step `step` from one sender.
        case marker
        /// Partial sums of a tile for the next stage's function unit.
        case graded
        /// The sampled token, starting the next token.
        case token
        /// Pipelined prefill: the next stage has taken `token`'s partial sums, so `stage`'s tiles are free for the next token.
        case credit
        /// One spike of a spike-coded partial sum, for a reduction neuron at the function unit.
        case partialSpike
        /// A tile has sent all its spike-coded partial sums of the token.
        case partialDone
        /// A timer: `stageReady` or `tick` (nothing travels).
        case none
    }

    public let kind: Kind
    public let cargo: Cargo
    /// Virtual time step within the token (spikes, markers, graded sums, ticks).
    public let step: UInt8
    /// Spike sign: +1 or −1 (0 for other cargo).
    public let sign: Int8
    /// Axon (spike) or source tile (graded, partial sums).
    @usableFromInline let a: UInt32
    /// Tree node (tree packets) or destination core (unicast packets).
    @usableFromInline let n: UInt32
    /// Spike group (spikes, markers) or stage (everything else).
    @usableFromInline let g: UInt32
    /// Token index.
    public let token: UInt32

    @inlinable
    init(kind: Kind, cargo: Cargo, step: UInt8, sign: Int8, a: UInt32, n: UInt32, g: UInt32, token: UInt32) {
        self.kind = kind; self.cargo = cargo; self.step = step; self.sign = sign
        self.a = a; self.n = n; self.g = g; self.token = token
    }

    // MARK: Constructors, one per cargo

    /// A spike of `group` for `axon` of the destination tiles' row block, leaving on the group's multicast tree.
    @inlinable
    public static func spike(group: Int, axon: Int, step: Int, sign: Int8, treeRoot: UInt32, token: Int) -> ChipMessage {
        ChipMessage(kind: .treePacket, cargo: .spike, step: UInt8(step), sign: sign, a: UInt32(axon), n: treeRoot, g: UInt32(group), token: UInt32(token))
    }

    /// The end of `step` of `group`'s spikes from one sender.
    @inlinable
    public static func marker(group: Int, step: Int, treeRoot: UInt32, token: Int) -> ChipMessage {
        ChipMessage(kind: .treePacket, cargo: .marker, step: UInt8(step), sign: 0, a: 0, n: treeRoot, g: UInt32(group), token: UInt32(token))
    }

    /// Partial sums of `sourceTile` (a tile of `stage`) for the next stage's function unit on core `destination`.
    @inlinable
    public static func graded(sourceTile: Int, stage: Int, step: UInt8, destination: UInt32, token: UInt32) -> ChipMessage {
        ChipMessage(kind: .unicastPacket, cargo: .graded, step: step, sign: 0, a: UInt32(sourceTile), n: destination, g: UInt32(stage), token: token)
    }

    /// The token sampled by the output stage `stage`, sent to the first stage's function unit on `destination`.
    @inlinable
    public static func sampledToken(stage: Int, destination: UInt32, token: Int) -> ChipMessage {
        ChipMessage(kind: .unicastPacket, cargo: .token, step: 0, sign: 0, a: 0, n: destination, g: UInt32(stage), token: UInt32(token))
    }

    /// Pipelined prefill: the function unit of `stage` + 1 has started `token`, so the tiles of `stage` may take
    /// the next token; sent to `stage`'s function unit on `destination`.
    @inlinable
    public static func credit(stage: Int, destination: UInt32, token: Int) -> ChipMessage {
        ChipMessage(kind: .unicastPacket, cargo: .credit, step: 0, sign: 0, a: 0, n: destination, g: UInt32(stage), token: UInt32(token))
    }

    /// `stage`'s function unit has finished and its encoder starts (a self-event).
    @inlinable
    public static func stageReady(stage: Int, token: Int) -> ChipMessage {
        ChipMessage(kind: .stageReady, cargo: .none, step: 0, sign: 0, a: 0, n: 0, g: UInt32(stage), token: UInt32(token))
    }

    /// The global clock ends `step` of `stage` at a tile.
    @inlinable
    public static func tick(stage: Int, step: Int, token: Int) -> ChipMessage {
        ChipMessage(kind: .tick, cargo: .none, step: UInt8(step), sign: 0, a: 0, n: 0, g: UInt32(stage), token: UInt32(token))
    }

    // MARK: What each cargo carries

    /// The spike group of a spike or marker.
    @inlinable public var spikeGroup: Int {
        assert(cargo == .spike || cargo == .marker, "\(cargo) has no spike group")
        return Int(g)
    }

    /// The axon of a spike, within its group's row block.
    @inlinable public var axon: Int {
        assert(cargo == .spike, "\(cargo) has no axon")
        return Int(a)
    }

    /// The stage of graded and partial sums, of a sampled token (the output stage), of a credit (the stage it frees) and of timers.
    @inlinable public var stage: Int {
        assert(cargo != .spike && cargo != .marker, "\(cargo) has no stage")
        return Int(g)
    }

    /// The tile whose partial sums a graded or partial-sum packet carries.
    @inlinable public var sourceTile: Int {
        assert(cargo == .graded || cargo == .partialSpike || cargo == .partialDone, "\(cargo) has no source tile")
        return Int(a)
    }

    /// The multicast-tree node a tree packet is at.
    @inlinable public var treeNode: Int {
        assert(kind == .treePacket, "\(kind) is not on a tree")
        return Int(n)
    }

    /// The core a unicast packet is routed to.
    @inlinable public var destination: Int {
        assert(kind == .unicastPacket, "\(kind) is not a unicast packet")
        return Int(n)
    }

    /// Whether the packet travels in spike packets and carries a step (spikes and markers).
    @inlinable public var isSpikeLike: Bool { cargo == .spike || cargo == .marker }

    // MARK: Moving a packet

    /// The same packet routed to core `destination` (a unicast fan-out, a splitter's copies).
    @inlinable
    public func unicast(to destination: UInt32) -> ChipMessage {
        ChipMessage(kind: .unicastPacket, cargo: cargo, step: step, sign: sign, a: a, n: destination, g: g, token: token)
    }

    /// The same tree packet at another node of its tree.
    @inlinable
    public func atTreeNode(_ node: Int) -> ChipMessage {
        assert(kind == .treePacket)
        return ChipMessage(kind: kind, cargo: cargo, step: step, sign: sign, a: a, n: UInt32(node), g: g, token: token)
    }

    /// The same sums packet with another partial-sum cargo (graded → partialSpike → partialDone).
    @inlinable
    public func with(cargo: Cargo) -> ChipMessage {
        assert([.graded, .partialSpike, .partialDone].contains(self.cargo) && [.graded, .partialSpike, .partialDone].contains(cargo))
        return ChipMessage(kind: kind, cargo: cargo, step: step, sign: sign, a: a, n: n, g: g, token: token)
    }
}
