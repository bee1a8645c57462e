/// One priced part of a side's energy, with how far it may move and what it moves with.
///
/// `key` names the figure (or class of figures) behind the term: terms of both sides that
/// share a key are priced by the same physical figure (the crossbar SRAM's read energy, a
/// function-unit operation, leakage per bit) and move together when ranges are explored;
/// every other key moves on its own.
public struct EnergyTerm: Sendable, Hashable {
    public var component: String
    public var picojoules: Double
    /// `low / value` and `high / value` of the figure(s) behind the term.
    public var lowFactor: Double
    public var highFactor: Double
    public var key: String

    public init(component: String, picojoules: Double, lowFactor: Double = 1, highFactor: Double = 1, key: String) {
        self.component = component; self.picojoules = picojoules; self.lowFactor = lowFactor; self.highFactor = highFactor; self.key = key
    }

    /// The term when its key sits at its low (false) or high (true) end.
    func at(high: Bool) -> Double { picojoules * (high ? highFactor : lowFactor) }
}

extension Array where Element == EnergyTerm {
    public var picojoules: Double { reduce(0) { $0 + $1.picojoules } }
    public func picojoules(_ components: Set<String>) -> Double {
        reduce(0) { components.contains($1.component) ? $0 + $1.picojoules : $0 }
    }
    func filtered(_ components: Set<String>) -> [EnergyTerm] { filter { components.contains($0.component) } }
    /// Total with every key at its low (or high) end.
    func total(high: Bool) -> Double { reduce(0) { $0 + $1.at(high: high) } }
    /// Total with each key at the end `high(key)` chooses.
    func total(_ high: (String) -> Bool) -> Double { reduce(0) { $0 + $1.at(high: high($1.key)) } }
    var keys: Set<String> { Set(map(\.key)) }
}
