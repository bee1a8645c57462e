/// Why a network file, its inputs or its mapping onto a chip were refused. Each message names
/// the node, population or option at fault and what would be accepted.
public enum NetworkError: Error, Equatable, CustomStringConvertible {
    /// The file is not a SpikeChip network (or not readable).
    case unreadable(String)
    /// A node, parameter or edge of the graph is invalid.
    case invalidGraph(String)
    /// Node types SpikeChip cannot run, every one named.
    case unsupportedNodes([String])
    /// The input spike trains do not fit the network.
    case invalidInput(String)
    /// The network does not fit the topology.
    case doesNotFit(String)

    public var description: String {
        switch self {
        case .unreadable(let s), .invalidGraph(let s), .invalidInput(let s), .doesNotFit(let s): s
        case .unsupportedNodes(let nodes):
            "unsupported NIR nodes: \(nodes.joined(separator: ", ")); SpikeChip runs "
                + NetworkGraph.NodeType.allCases.map(\.rawValue).joined(separator: ", ")
        }
    }
}
