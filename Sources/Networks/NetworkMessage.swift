/// The payload of the network chip's events: 16 bytes, no references.
///
/// | kind | carries |
/// |---|---|
/// | start | step (a timer: the core may begin the step) |
/// | spike | step, the firing neuron (global id), tree node or destination core |
/// | marker | step, the sending core, tree node or destination core |
/// | partial | step, the partial core, destination (its home core) |
///
/// Every packet also carries the population that sent it, which its hops are charged to.
public struct NetworkMessage: Sendable {
    public enum Kind: UInt8, Sendable { case start, spike, marker, partial }

    public let kind: Kind
    /// Whether `node` is a multicast-tree node (else the destination core of a unicast packet).
    public let onTree: Bool
    /// The sending population (fits the padding after `kind` and `onTree`).
    public let population: UInt16
    public let step: UInt32
    /// The firing neuron (spikes) or the sending core (markers, partials).
    public let source: UInt32
    /// Tree node or destination core.
    public let node: UInt32

    @inlinable init(kind: Kind, onTree: Bool, population: Int, step: UInt32, source: UInt32, node: UInt32) {
        self.kind = kind; self.onTree = onTree; self.population = UInt16(population); self.step = step; self.source = source; self.node = node
    }

    static func start(step: Int) -> NetworkMessage {
        NetworkMessage(kind: .start, onTree: false, population: 0, step: UInt32(step), source: 0, node: 0)
    }

    /// The same packet at another tree node.
    func at(node: Int) -> NetworkMessage {
        NetworkMessage(kind: kind, onTree: true, population: Int(population), step: step, source: source, node: UInt32(node))
    }

    /// Whether it travels as a graded packet (partial currents) rather than a spike-sized one.
    var graded: Bool { kind == .partial }
}
