/// An output port of a router: the link to one of its four mesh neighbours.
public enum Port: UInt8, Sendable, Hashable, CaseIterable {
    /// +x, −x, +y, −y (core ids are row-major, so south is id + width).
    case east, west, south, north

    public var name: String { ["east", "west", "south", "north"][Int(rawValue)] }
    /// Whether the port's link runs along x (and is priced as an east-west hop).
    @inlinable public var isEastWest: Bool { self == .east || self == .west }
}

/// Which dimension a packet travels first. Both are deadlock-free dimension-order routes on a
/// mesh; they differ in which links a multicast tree shares and where traffic piles up.
public enum RoutingAlgorithm: String, Sendable, Hashable, CaseIterable {
    /// Along x to the destination's column, then along y (TrueNorth, Loihi).
    case xy
    /// Along y to the destination's row, then along x.
    case yx
}

/// The one description of how packets cross the mesh: the mapping builds multicast trees from
/// it, the engine forwards unicast packets and names ports with it, and the link-traffic report
/// finds each port's neighbour with it. A new routing algorithm is a case of `RoutingAlgorithm`
/// and a branch of `port(from:to:)`; everything else follows.
public struct MeshRouting: Sendable, Hashable {
    /// Cores along x and y over the whole system.
    public let width: Int
    public let height: Int
    public let algorithm: RoutingAlgorithm

    public init(width: Int, height: Int, algorithm: RoutingAlgorithm) {
        precondition(width > 0 && height > 0, "a mesh has at least one core")
        self.width = width; self.height = height; self.algorithm = algorithm
    }

    /// The port a packet at router `here` bound for core `destination` leaves by, or nil when it has arrived.
    /// One division pair per hop: once the first dimension is done, ids alone order the second
    /// (the destination is in the same column, or the same row).
    @inlinable
    public func port(from here: Int, to destination: Int) -> Port? {
        switch algorithm {
        case .xy:
            let x = here % width, dx = destination % width
            if dx != x { return dx > x ? .east : .west }
            return destination == here ? nil : destination > here ? .south : .north
        case .yx:
            let y = here / width, dy = destination / width
            if dy != y { return dy > y ? .south : .north }
            return destination == here ? nil : destination > here ? .east : .west
        }
    }

    /// The router at the other end of `port`'s link (the caller keeps it inside the mesh).
    @inlinable
    public func neighbour(of core: Int, through port: Port) -> Int {
        switch port {
        case .east: core + 1
        case .west: core - 1
        case .south: core + width
        case .north: core - width
        }
    }

    /// Each hop of the route from `source` to `destination`: the port taken and the router reached.
    public func route(from source: Int, to destination: Int) -> [(port: Port, router: Int)] {
        var hops: [(port: Port, router: Int)] = []
        var here = source
        while let p = port(from: here, to: destination) {
            here = neighbour(of: here, through: p)
            hops.append((p, here))
        }
        return hops
    }

    /// Hops between two cores (the Manhattan distance, whatever the dimension order).
    public func distance(from a: Int, to b: Int) -> Int {
        abs(a % width - b % width) + abs(a / width - b / width)
    }
}
