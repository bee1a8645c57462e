import ModelShapes
import COpenBLAS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Receives the input vector of every linear projection, per layer and position: the real
/// activation traces the spiking mapper encodes. q, k and v share one input (the normed
/// residual), as do gate and up; o receives the attention output and down SiLU(gate)·up.
/// The buffer is valid only during the call.
public typealias ProjectionObserver = (_ layer: Int, _ projection: ModelSpec.Projection, _ position: Int,
                                       _ input: UnsafeBufferPointer<Float>) -> Void

/// One running sequence: a KV cache and the dense forward pass over it (FP32 activations,
/// every matrix product in OpenBLAS). A value type: copying a session forks the sequence.
public struct InferenceSession: Sendable {
    /// The model this session runs.
    public let model: LanguageModel
    /// Positions the KV cache holds.
    public let capacity: Int
    /// Positions already in the cache; the next token is processed at this position.
    public private(set) var count = 0
    /// [layer][position][kvDim].
    private var keys: ContiguousArray<Float>
    private var values: ContiguousArray<Float>

    init(model: LanguageModel, capacity: Int) throws {
        let spec = model.spec
        guard capacity > 0, capacity <= spec.contextLength else {
            throw ModelError.outOfRange("KV cache capacity \(capacity) must be in 1...\(spec.contextLength) (the model's context)")
        }
        let size = spec.layers * capacity * spec.kvDim
        self.model = model
        self.capacity = capacity
        keys = ContiguousArray(repeating: 0, count: size)
        values = ContiguousArray(repeating: 0, count: size)
    }

    /// Runs `tokens` at the next positions and returns their logits, row-major
    /// (`tokens.count` × vocabulary), or only the last position's when `allLogits` is false.
    /// A prompt goes in as one call (matrix-matrix products); decoding passes one token.
    public mutating func forward(_ tokens: [Int32], allLogits: Bool = false,
                                 observe: ProjectionObserver? = nil) throws -> ContiguousArray<Float> {
        var dense = DenseBackend(model: model)
        return try forward(tokens, allLogits: allLogits, observe: observe, backend: &dense)
    }

    /// The same forward pass with every weight-stationary product (projections and LM head)
    /// done by `backend`: a spiking chip's crossbars, or quantized weights for a fidelity study.
    public mutating func forward<Backend: LinearBackend>(_ tokens: [Int32], allLogits: Bool = false, observe: ProjectionObserver? = nil,
                                                         backend: inout Backend) throws -> ContiguousArray<Float> {
        let spec = model.spec
        let n = tokens.count
        guard n > 0 else { return [] }
        guard count + n <= capacity else {
            throw ModelError.outOfRange("sequence of \(count + n) positions exceeds the KV cache capacity \(capacity)")
        }
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= spec.vocabulary }) {
            throw ModelError.outOfRange("token id \(bad) is outside the vocabulary of \(spec.vocabulary)")
        }
        let hidden = spec.hidden, kvDim = spec.kvDim, ffn = spec.ffn
        var x = ContiguousArray<Float>(repeating: 0, count: n * hidden)
        model.embedding.values.withUnsafeBufferPointer { e in
            x.withUnsafeMutableBufferPointer { xb in
                for (t, token) in tokens.enumerated() {
                    (xb.baseAddress! + t * hidden).update(from: e.baseAddress! + Int(token) * hidden, count: hidden)
                }
            }
        }
        var h = ContiguousArray<Float>(repeating: 0, count: n * hidden)
        var q = ContiguousArray<Float>(repeating: 0, count: n * hidden)
        var k = ContiguousArray<Float>(repeating: 0, count: n * kvDim)
        var v = ContiguousArray<Float>(repeating: 0, count: n * kvDim)
        var attention = ContiguousArray<Float>(repeating: 0, count: n * hidden)
        var gate = ContiguousArray<Float>(repeating: 0, count: n * ffn)
        var up = ContiguousArray<Float>(repeating: 0, count: n * ffn)
        var scores = ContiguousArray<Float>(repeating: 0, count: count + n)
        let rope = RotaryTable(positions: count..<count + n, headDim: spec.headDim, base: model.config.ropeBase)
        let eps = model.config.rmsEpsilon

        for (l, layer) in model.layers.enumerated() {
            InferenceSession.rmsNorm(x, layer.attentionNorm, eps, rows: n, into: &h)
            observeRows(observe, l, [.q, .k, .v], h, width: hidden)
            try project(h, l, .q, rows: n, into: &q, &backend)
            try project(h, l, .k, rows: n, into: &k, &backend)
            try project(h, l, .v, rows: n, into: &v, &backend)
            rope.apply(&q, heads: spec.heads, style: model.config.ropeStyle)
            rope.apply(&k, heads: spec.kvHeads, style: model.config.ropeStyle)
            let slot = (l * capacity + count) * kvDim  // rows count..<count+n of this layer's cache
            InferenceSession.copy(k, into: &keys, at: slot)
            InferenceSession.copy(v, into: &values, at: slot)
            attend(q, layer: l, rows: n, scores: &scores, into: &attention)
            observeRows(observe, l, [.o], attention, width: hidden)
            try project(attention, l, .o, rows: n, into: &x, accumulate: true, &backend)

            InferenceSession.rmsNorm(x, layer.ffnNorm, eps, rows: n, into: &h)
            observeRows(observe, l, [.gate, .up], h, width: hidden)
            try project(h, l, .gate, rows: n, into: &gate, &backend)
            try project(h, l, .up, rows: n, into: &up, &backend)
            gate.withUnsafeMutableBufferPointer { g in
                up.withUnsafeBufferPointer { u in
                    for i in 0..<g.count { g[i] = g[i] / (1 + expf(-g[i])) * u[i] }  // SiLU(gate) * up
                }
            }
            observeRows(observe, l, [.down], gate, width: ffn)
            try project(gate, l, .down, rows: n, into: &x, accumulate: true, &backend)
        }
        count += n

        let first = allLogits ? 0 : n - 1
        let rows = n - first
        var normed = ContiguousArray<Float>(repeating: 0, count: rows * hidden)
        InferenceSession.rmsNorm(ContiguousArray(x[(first * hidden)...]), model.outputNorm, eps, rows: rows, into: &normed)
        var logits = ContiguousArray<Float>(repeating: 0, count: rows * spec.vocabulary)
        try InferenceSession.multiply(normed, rows: rows, by: .head, into: &logits, accumulate: false, &backend)
        return logits
    }

    private func observeRows(_ observe: ProjectionObserver?, _ layer: Int, _ projections: [ModelSpec.Projection],
                             _ matrix: ContiguousArray<Float>, width: Int) {
        guard let observe else { return }
        matrix.withUnsafeBufferPointer { m in
            for t in 0..<(m.count / width) {
                let row = UnsafeBufferPointer(rebasing: m[(t * width)..<((t + 1) * width)])
                for p in projections { observe(layer, p, count + t, row) }
            }
        }
    }

    /// out (rows × outputs) = input (rows × inputs) · Wᵀ (+ bias), or += when accumulating (residual adds).
    private func project<Backend: LinearBackend>(_ input: ContiguousArray<Float>, _ layer: Int, _ p: ModelSpec.Projection,
                                                 rows: Int, into out: inout ContiguousArray<Float>, accumulate: Bool = false,
                                                 _ backend: inout Backend) throws {
        try InferenceSession.multiply(input, rows: rows, by: .projection(layer: layer, p), into: &out, accumulate: accumulate, &backend)
        guard let bias = model.bias(layer: layer, projection: p) else { return }
        let outputs = bias.count
        out.withUnsafeMutableBufferPointer { o in
            bias.withUnsafeBufferPointer { b in
                for r in 0..<rows { for j in 0..<outputs { o[r * outputs + j] += b[j] } }
            }
        }
    }

    private static func multiply<Backend: LinearBackend>(_ input: ContiguousArray<Float>, rows: Int, by layer: LinearLayer,
                                                         into out: inout ContiguousArray<Float>, accumulate: Bool,
                                                         _ backend: inout Backend) throws {
        try input.withUnsafeBufferPointer { i in
            try out.withUnsafeMutableBufferPointer { o in
                try backend.multiply(i, rows: rows, by: layer, into: UnsafeMutableBufferPointer(rebasing: o[...]), accumulate: accumulate)
            }
        }
    }

    /// Causal grouped-query attention of `rows` new positions over the cache of layer `layer`.
    private func attend(_ q: ContiguousArray<Float>, layer: Int, rows: Int, scores: inout ContiguousArray<Float>,
                        into out: inout ContiguousArray<Float>) {
        let spec = model.spec
        let hd = spec.headDim, kvDim = spec.kvDim, group = spec.heads / spec.kvHeads
        let scale = 1 / Float(hd).squareRoot()
        let cacheBase = layer * capacity * kvDim
        keys.withUnsafeBufferPointer { kc in
            values.withUnsafeBufferPointer { vc in
                q.withUnsafeBufferPointer { qb in
                    out.withUnsafeMutableBufferPointer { ob in
                        scores.withUnsafeMutableBufferPointer { s in
                            for t in 0..<rows {
                                let length = Int32(count + t + 1)  // causal: positions 0...count+t
                                for head in 0..<spec.heads {
                                    let kvOffset = cacheBase + (head / group) * hd
                                    let qRow = qb.baseAddress! + t * spec.hidden + head * hd
                                    // scores = K qᵀ over cached positions (K rows strided by kvDim).
                                    cblas_sgemv(CblasRowMajor, CblasNoTrans, length, Int32(hd), scale,
                                                kc.baseAddress! + kvOffset, Int32(kvDim), qRow, 1, 0, s.baseAddress, 1)
                                    var maximum = -Float.infinity
                                    for i in 0..<Int(length) { maximum = max(maximum, s[i]) }
                                    var sum: Float = 0
                                    for i in 0..<Int(length) { s[i] = expf(s[i] - maximum); sum += s[i] }
                                    // out = Vᵀ p / sum.
                                    cblas_sgemv(CblasRowMajor, CblasTrans, length, Int32(hd), 1 / sum,
                                                vc.baseAddress! + kvOffset, Int32(kvDim), s.baseAddress, 1, 0,
                                                ob.baseAddress! + t * spec.hidden + head * hd, 1)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Copies all of `source` into `destination` starting at `offset`.
    private static func copy(_ source: ContiguousArray<Float>, into destination: inout ContiguousArray<Float>, at offset: Int) {
        precondition(offset + source.count <= destination.count)
        source.withUnsafeBufferPointer { src in
            destination.withUnsafeMutableBufferPointer { dst in
                (dst.baseAddress! + offset).update(from: src.baseAddress!, count: src.count)
            }
        }
    }

    /// out[r] = x[r] / sqrt(mean(x[r]²) + eps) * weight, row by row.
    static func rmsNorm(_ x: ContiguousArray<Float>, _ weight: ContiguousArray<Float>, _ eps: Float, rows: Int,
                        into out: inout ContiguousArray<Float>) {
        let width = weight.count
        x.withUnsafeBufferPointer { xb in
            weight.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { o in
                    for r in 0..<rows {
                        var sum: Double = 0
                        for i in 0..<width { let v = Double(xb[r * width + i]); sum += v * v }
                        let inverse = Float(1 / (sum / Double(width) + Double(eps)).squareRoot())
                        for i in 0..<width { o[r * width + i] = xb[r * width + i] * inverse * w[i] }
                    }
                }
            }
        }
    }
}

/// cos/sin of every (position, frequency) of one forward call.
struct RotaryTable {
    let headDim: Int
    let cos: ContiguousArray<Float>
    let sin: ContiguousArray<Float>

    init(positions: Range<Int>, headDim: Int, base: Double) {
        self.headDim = headDim
        let half = headDim / 2
        var c = ContiguousArray<Float>(), s = ContiguousArray<Float>()
        c.reserveCapacity(positions.count * half); s.reserveCapacity(positions.count * half)
        for p in positions {
            for i in 0..<half {
                let angle = Double(p) * pow(base, -Double(2 * i) / Double(headDim))
                c.append(Float(cosine(angle))); s.append(Float(sine(angle)))
            }
        }
        cos = c; sin = s
    }

    /// Rotates every head of every row of `x` (rows × heads·headDim) in place.
    func apply(_ x: inout ContiguousArray<Float>, heads: Int, style: TransformerConfig.RoPEStyle) {
        let half = headDim / 2, width = heads * headDim
        x.withUnsafeMutableBufferPointer { xb in
            cos.withUnsafeBufferPointer { cb in
                sin.withUnsafeBufferPointer { sb in
                    for row in 0..<(xb.count / width) {
                        for head in 0..<heads {
                            let base = row * width + head * headDim
                            for i in 0..<half {
                                let (a, b) = style == .adjacentPairs ? (base + 2 * i, base + 2 * i + 1) : (base + i, base + i + half)
                                let x0 = xb[a], x1 = xb[b], c = cb[row * half + i], s = sb[row * half + i]
                                xb[a] = x0 * c - x1 * s
                                xb[b] = x0 * s + x1 * c
                            }
                        }
                    }
                }
            }
        }
    }
}

// The libm functions, renamed because RotaryTable's stored `cos`/`sin` shadow them.
@inline(__always) private func cosine(_ x: Double) -> Double { cos(x) }
@inline(__always) private func sine(_ x: Double) -> Double { sin(x) }
