import Energy
import SimKernel

/// What one operation of a unit costs: energy and the time it keeps the unit busy.
public struct OpCost: Sendable, Hashable {
    public var energy: Energy
    public var latency: SimTime

    public init(energy: Energy, latency: SimTime) { self.energy = energy; self.latency = latency }
    public init(picojoules: Double, nanoseconds: Double) {
        self.init(energy: Energy(picojoules: picojoules), latency: SimTime(nanoseconds: nanoseconds))
    }
    public static let free = OpCost(energy: .zero, latency: .zero)
}
