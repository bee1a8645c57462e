import Mapping
import ModelShapes
import Models
import Neurons

/// The linear products of a forward pass as the spiking chip computes them: each stage's
/// input is encoded into a spike train by the stage's encoder, and the spikes are
/// integrated exactly (integer arithmetic) through the crossbar weights; the function unit
/// then scales the sums by the encoder's threshold and the per-output weight scale.
///
/// Stages are numbered as `ChipMapping` numbers them: per layer qkv, o, gate_up, down,
/// then the LM head. The train of every stage of the last position stays in `trains`,
/// which is what the closed-loop spike source sends through the event simulation.
///
/// The other modes separate the two sources of error for a fidelity study: quantized
/// weights with exact activations, and spike-coded activations with FP32 weights.
public struct ChipBackend: LinearBackend {
    public enum Mode: Sendable {
        /// Spikes through quantized crossbars: what the chip computes.
        case chip
        /// Exact activations through the quantized crossbar weights (no spikes): quantization error alone.
        case quantizedWeights
        /// Spike-coded activations through the model's FP32 weights: encoding error alone.
        case spikeEncoding(dense: LanguageModel)
    }

    public let crossbars: CrossbarModel
    public let mode: Mode
    /// One encoder per stage, so adaptive encoders (firing-rate controllers) adapt per stage.
    public private(set) var encoders: [ConfiguredEncoder]
    /// The last train each stage's encoder produced.
    public private(set) var trains: [SpikeTrain]
    /// Firing and reconstruction statistics of every stage, merged over all positions.
    public private(set) var statistics: [SpikeStatistics]
    /// Called after each encoding with (stage, the stage's input activations, its train).
    public var onEncode: ((Int, UnsafeBufferPointer<Float>, SpikeTrain) -> Void)?
    /// How tiles hand on their sums; spike-coded sums are rounded per tile in `.chip` mode.
    public let partialSums: PartialSumReduction
    /// Spikes each tile (row block × column block, row-major) sent for the last position's
    /// spike-coded partial sums, per product.
    public private(set) var partialSumSpikes: [LinearLayer: ContiguousArray<Int32>] = [:]

    private var counts: ContiguousArray<Int32> = []
    private var sums: ContiguousArray<Int32> = []
    private var decoded: ContiguousArray<Float> = []
    private var product: ContiguousArray<Float> = []

    /// Stages of a model with `layers` layers: four per layer and the LM head.
    public static func stageCount(layers: Int) -> Int { 4 * layers + 1 }

    public init(crossbars: CrossbarModel, encoder: ConfiguredEncoder, mode: Mode = .chip, partialSums: PartialSumReduction = .graded) {
        self.crossbars = crossbars
        self.mode = mode
        self.partialSums = partialSums
        let n = Self.stageCount(layers: crossbars.spec.layers)
        encoders = Array(repeating: encoder, count: n)
        trains = (0..<n).map { _ in SpikeTrain(neuronCount: 0, steps: encoder.steps) }
        statistics = Array(repeating: SpikeStatistics(), count: n)
    }

    /// The stage a product belongs to, and whether it is the stage's first product (the one
    /// whose input is encoded; k, v and up reuse the train of q and gate).
    public static func stage(of layer: LinearLayer, layers: Int) -> (index: Int, encodes: Bool) {
        switch layer {
        case .head: (4 * layers, true)
        case .projection(let l, let p):
            switch p {
            case .q: (4 * l, true)
            case .k, .v: (4 * l, false)
            case .o: (4 * l + 1, true)
            case .gate: (4 * l + 2, true)
            case .up: (4 * l + 2, false)
            case .down: (4 * l + 3, true)
            }
        }
    }

    public mutating func multiply(_ input: UnsafeBufferPointer<Float>, rows: Int, by layer: LinearLayer,
                                  into out: UnsafeMutableBufferPointer<Float>, accumulate: Bool) throws {
        let w = crossbars.weights(layer)
        let (stage, encodes) = Self.stage(of: layer, layers: crossbars.spec.layers)
        // Taken out of self for the loop, so `compute` may change the other buffers meanwhile.
        var product = ContiguousArray<Float>()
        swap(&product, &self.product)
        defer { swap(&product, &self.product) }
        resize(&product, w.outputs)
        for r in 0..<rows {
            let x = UnsafeBufferPointer(rebasing: input[(r * w.inputs)..<((r + 1) * w.inputs)])
            let y = UnsafeMutableBufferPointer(rebasing: out[(r * w.outputs)..<((r + 1) * w.outputs)])
            if encodes, !isQuantizedWeights { try encode(x, stage: stage) }
            try product.withUnsafeMutableBufferPointer { p in
                try compute(x, stage: stage, weights: w, layer: layer, into: p)
                for j in 0..<w.outputs { y[j] = accumulate ? y[j] + p[j] : p[j] }
            }
        }
    }

    private var isQuantizedWeights: Bool { if case .quantizedWeights = mode { true } else { false } }

    private mutating func encode(_ x: UnsafeBufferPointer<Float>, stage: Int) throws {
        try encoders[stage].encode(x, into: &trains[stage])
        statistics[stage].merge(try SpikeStatistics(train: trains[stage], reference: x))
        onEncode?(stage, x, trains[stage])
    }

    /// `p` = the product of one row, in the mode's arithmetic.
    private mutating func compute(_ x: UnsafeBufferPointer<Float>, stage: Int, weights w: CrossbarWeights, layer: LinearLayer,
                                  into p: UnsafeMutableBufferPointer<Float>) throws {
        switch mode {
        case .quantizedWeights:
            w.multiply(x, into: p)
        case .chip:
            let train = trains[stage]
            resize(&counts, w.inputs)
            resize(&sums, w.outputs)
            let largest = counts.withUnsafeMutableBufferPointer { c in
                train.counts.withUnsafeBufferPointer { t in
                    var largest: Int32 = 0
                    for i in 0..<w.inputs { c[i] = t[i] &+ train.countOffset; largest = Swift.max(largest, abs(c[i])) }
                    return largest
                }
            }
            // Integer sums must not wrap: |Σ count·level| ≤ inputs · max|count| · max level.
            guard Int(largest) * CrossbarWeights.maxLevel(bits: w.bits) * w.inputs <= Int(Int32.max) else {
                throw ClosedLoopError.overflow("stage \(stage): spike counts up to \(largest) over \(w.inputs) inputs could overflow "
                    + "the 32-bit crossbar sums; use fewer time steps or a smaller count range")
            }
            if case .spikes(let bits) = partialSums.coding {
                partialSumSpikes[layer] = spikeCodedSums(w, bits: bits)
            } else {
                counts.withUnsafeBufferPointer { c in
                    sums.withUnsafeMutableBufferPointer { a in
                        a.update(repeating: 0)
                        w.integrate(c, rows: 0..<w.inputs, into: a)
                    }
                }
            }
            sums.withUnsafeBufferPointer { a in
                w.scales.withUnsafeBufferPointer { s in
                    for j in 0..<w.outputs { p[j] = train.scale * s[j] * Float(a[j]) }
                }
            }
        case .spikeEncoding(let dense):
            resize(&decoded, w.inputs)
            try decoded.withUnsafeMutableBufferPointer { d in
                try trains[stage].decode(into: d)
            }
            var backend = DenseBackend(model: dense)
            try decoded.withUnsafeBufferPointer { d in
                try backend.multiply(d, rows: 1, by: layer, into: p, accumulate: false)
            }
        }
    }

    /// Sets `sums` to the sum over row blocks of each tile's partial sums rounded to
    /// `bits`-bit bitwise codes: per tile a power-of-two step (the smallest shift that fits its
    /// largest sum), each sum rounded to a multiple of it. Returns each tile's spike count
    /// (the set magnitude bits of its codes), row block major.
    private mutating func spikeCodedSums(_ w: CrossbarWeights, bits: Int) -> ContiguousArray<Int32> {
        let a = partialSums.axons, n = partialSums.neurons
        let rowBlocks = (w.inputs + a - 1) / a, colBlocks = (w.outputs + n - 1) / n
        let top = Int64(CrossbarWeights.maxLevel(bits: bits))
        var spikes = ContiguousArray<Int32>(repeating: 0, count: rowBlocks * colBlocks)
        var block = ContiguousArray<Int32>(repeating: 0, count: w.outputs)
        var total = ContiguousArray<Int32>(repeating: 0, count: w.outputs)
        counts.withUnsafeBufferPointer { c in
            for r in 0..<rowBlocks {
                block.withUnsafeMutableBufferPointer { b in
                    b.update(repeating: 0)
                    w.integrate(c, rows: (r * a)..<min(w.inputs, (r + 1) * a), into: b)
                }
                for col in 0..<colBlocks {
                    let columns = (col * n)..<min(w.outputs, (col + 1) * n)
                    let largest = columns.reduce(Int64(0)) { max($0, abs(Int64(block[$1]))) }
                    var shift: Int64 = 0
                    while largest >> shift > top { shift += 1 }
                    var fired: Int32 = 0
                    for j in columns {
                        let v = Int64(block[j])
                        let half: Int64 = shift > 0 ? 1 << (shift - 1) : 0
                        let code = min(top, (abs(v) + half) >> shift) * (v < 0 ? -1 : 1)
                        fired += Int32(abs(code).nonzeroBitCount)
                        total[j] &+= Int32(code << shift)
                    }
                    spikes[r * colBlocks + col] = fired
                }
            }
        }
        sums = total
        return spikes
    }

    private func resize<T: Numeric>(_ a: inout ContiguousArray<T>, _ n: Int) {
        if a.count != n { a = ContiguousArray(repeating: 0, count: n) }
    }
}
