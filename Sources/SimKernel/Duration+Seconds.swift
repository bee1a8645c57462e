extension Duration {
    /// The duration in seconds, as every timing in the project reports it.
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
