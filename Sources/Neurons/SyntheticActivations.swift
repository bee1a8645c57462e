#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seeded heavy-tailed activation vectors standing in for real LLM activations until the
/// model-loading issue supplies SmolLM2 traces: a Laplace or Student-t bulk plus a few
/// fixed "outlier channels" scaled ×20, the pattern reported for LLM projection inputs
/// (and the reason SpikeLLM expands salient channels).
///
/// Results from this generator are synthetic and are labelled so in docs/neurons.md.
public struct SyntheticActivations: Sendable {
    public enum Distribution: Equatable, Sendable {
        /// Density ∝ exp(−|x|/scale).
        case laplace(scale: Float)
        /// Student-t with `dof` degrees of freedom, multiplied by `scale`.
        case studentT(dof: Int, scale: Float)
    }

    public let channels: Int
    public let distribution: Distribution
    public let outlierScale: Float
    /// Channel indices that carry outliers, fixed for the generator's lifetime (sorted).
    public let outlierChannels: [Int]
    private var rng: Xoshiro256StarStar

    public init(channels: Int, distribution: Distribution = .studentT(dof: 4, scale: 1), outlierFraction: Float = 0.005,
                outlierScale: Float = 20, seed: UInt64) throws(NeuronParameterError) {
        try NeuronParameterError.require(channels >= 1, "channels", channels, "≥ 1")
        switch distribution {
        case .laplace(let s):
            try NeuronParameterError.require(s.isFinite && s > 0, "scale", s, "a finite value > 0")
        case .studentT(let dof, let s):
            try NeuronParameterError.require((1...1000).contains(dof), "dof", dof, "1...1000")
            try NeuronParameterError.require(s.isFinite && s > 0, "scale", s, "a finite value > 0")
        }
        try NeuronParameterError.require(outlierFraction >= 0 && outlierFraction <= 1, "outlier_fraction", outlierFraction, "0...1")
        try NeuronParameterError.require(outlierScale.isFinite && outlierScale > 0, "outlier_scale", outlierScale, "a finite value > 0")
        self.channels = channels
        self.distribution = distribution
        self.outlierScale = outlierScale
        var rng = Xoshiro256StarStar(seed: seed)
        let m = Int((outlierFraction * Float(channels)).rounded())
        // Partial Fisher–Yates: the first m entries of a seeded permutation.
        var order = Array(0..<channels)
        for i in 0..<m {
            let j = i + Int(rng.next() % UInt64(channels - i))
            order.swapAt(i, j)
        }
        outlierChannels = order[0..<m].sorted()
        self.rng = rng
    }

    /// Draws the next token's activation vector into `output` (length `channels`).
    public mutating func next(into output: UnsafeMutableBufferPointer<Float>) throws(NeuronParameterError) {
        try NeuronParameterError.require(output.count == channels, "output.count", output.count, "== \(channels)")
        for i in 0..<channels { output[i] = draw() }
        for c in outlierChannels { output[c] *= outlierScale }
    }

    /// Convenience: one fresh vector as an array.
    public mutating func next() -> [Float] {
        var out = [Float](repeating: 0, count: channels)
        out.withUnsafeMutableBufferPointer { for i in 0..<channels { $0[i] = draw() } }
        for c in outlierChannels { out[c] *= outlierScale }
        return out
    }

    private mutating func draw() -> Float {
        switch distribution {
        case .laplace(let s):
            // Inverse CDF on u ∈ (−1/2, 1/2).
            let u = rng.nextUnitDouble() - 0.5
            let mag = -log(1 - 2 * abs(u))
            return Float(u < 0 ? -mag : mag) * s
        case .studentT(let dof, let s):
            let z = normal()
            var chi2 = 0.0
            for _ in 0..<dof { let g = normal(); chi2 += g * g }
            return Float(z / (chi2 / Double(dof)).squareRoot()) * s
        }
    }

    /// Box–Muller; one of the pair is discarded to keep the draw order simple and reproducible.
    private mutating func normal() -> Double {
        let u1 = 1 - rng.nextUnitDouble()  // (0, 1]
        let u2 = rng.nextUnitDouble()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
