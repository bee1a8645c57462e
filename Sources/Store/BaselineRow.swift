/// One component of a dense baseline's energy over the run's tokens (`baseline`).
public struct BaselineRow: Sendable, Equatable {
    /// "fp16" or "int8".
    public var precision: String
    /// Model layer; nil for work outside the layers (LM head, embedding).
    public var layer: Int?
    /// "mac", "weight_sram", "weight_dram", "activation", "nonlinear"…
    public var component: String
    public var operations: Double
    public var picojoules: Double
    /// The dense scenario ("same-memory", "dram-batch1", …); nil in databases written before scenarios existed.
    public var scenario: String?

    public init(precision: String, layer: Int?, component: String, operations: Double, picojoules: Double, scenario: String? = nil) {
        self.precision = precision; self.layer = layer; self.component = component
        self.operations = operations; self.picojoules = picojoules; self.scenario = scenario
    }
}
