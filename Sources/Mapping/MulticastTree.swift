import Topology

/// Multicast trees along the topology's dimension-order routes: the union of the unicast routes
/// from a source to each destination, so a packet crosses each link of the tree once. Used by the
/// LLM mapping (one tree per spike group) and the network mapping (one per source and destination set).
public enum MulticastTree {
    /// Appends the tree from `source` to `destinations` to `nodes`, children contiguous in
    /// breadth-first order, and returns the root's index.
    public static func build(from source: Int, to destinations: [Int], routing: MeshRouting, into nodes: inout ContiguousArray<RouteNode>) -> Int {
        var index: [Int: Int] = [source: 0]
        var routers = [source]
        var ports = [Port.east]
        var children: [[Int]] = [[]]
        var deliver = [false]
        func node(_ r: Int, via port: Port, parent: Int) -> Int {
            if let i = index[r] { return i }
            let i = routers.count
            index[r] = i; routers.append(r); ports.append(port); children.append([]); deliver.append(false)
            children[parent].append(i)
            return i
        }
        for d in destinations {
            var cur = 0
            for hop in routing.route(from: source, to: d) { cur = node(hop.router, via: hop.port, parent: cur) }
            deliver[cur] = true
        }
        // Subtree delivery counts, then breadth-first layout so each node's children are contiguous.
        var counts = deliver.map { $0 ? 1 : 0 }
        var bfs = [0]
        var k = 0
        while k < bfs.count { bfs.append(contentsOf: children[bfs[k]]); k += 1 }
        for i in bfs.reversed() { for c in children[i] { counts[i] += counts[c] } }
        let base = nodes.count
        var position = [Int](repeating: 0, count: routers.count)
        for (p, i) in bfs.enumerated() { position[i] = base + p }
        for i in bfs {
            let first = children[i].first.map { position[$0] } ?? 0
            nodes.append(RouteNode(router: UInt32(routers[i]), firstChild: UInt32(first), childCount: UInt16(children[i].count),
                                   deliver: deliver[i], port: ports[i], deliveries: UInt32(counts[i])))
        }
        return base
    }
}
