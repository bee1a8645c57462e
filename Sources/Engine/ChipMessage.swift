/// The payload of every event of the chip model: a packet at a router, or a timer.
///
/// 20 bytes, no references: events are copied through the queue millions of times.
public struct ChipMessage: Sendable {
    /// What the event is.
    public enum Kind: UInt8, Sendable {
        /// A packet on a multicast tree, now at the router of `node`.
        case treePacket
        /// A packet routed dimension-order towards core `node`.
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
        /// One spike of a spike-coded partial sum, for a reduction neuron at the function unit.
        case partialSpike
        /// A tile has sent all its spike-coded partial sums of the token.
        case partialDone
    }

    public var kind: Kind
    public var cargo: Cargo
    /// Virtual time step within the token.
    public var step: UInt8
    /// Spike sign: +1 or -1 (0 for non-spike cargo).
    public var sign: Int8
    /// Axon index within the tile's row block (spikes), or source tile (graded).
    public var axon: UInt32
    /// Multicast tree node (tree packets) or destination core (unicast packets).
    public var node: UInt32
    /// Spike group (spikes and markers) or stage (graded, token, timers).
    public var group: UInt32
    /// Token index.
    public var token: UInt32

    @inlinable
    public init(kind: Kind, cargo: Cargo, step: UInt8 = 0, sign: Int8 = 0, axon: UInt32 = 0, node: UInt32 = 0, group: UInt32 = 0, token: UInt32) {
        self.kind = kind; self.cargo = cargo; self.step = step; self.sign = sign
        self.axon = axon; self.node = node; self.group = group; self.token = token
    }
}
