import Models

/// What a dense accelerator spends to decode the same tokens of the same model.
///
/// An analytic action-count × energy-per-action model (in the spirit of Accelergy):
/// MACs of every projection, attention and the LM head; weights read through the memory
/// hierarchy once per token (no reuse across tokens: batch 1 decoding); activations read
/// and written once per projection; the KV cache (or linear-attention state) read per
/// token; and element-wise non-linear operations. Counts come from `ModelSpec`.
public struct DenseBaseline: Sendable {
    /// Where the energy goes.
    public enum Component: String, Sendable, CaseIterable {
        /// Multiply-accumulates of the linear projections and the LM head (what spikes replace).
        case projectionMACs = "mac"
        /// Multiply-accumulates of attention (QKᵀ, AV, linear-attention state).
        case attentionMACs = "attention_mac"
        /// Weight reads through the hierarchy.
        case weightFetch = "weight_fetch"
        /// Activation reads and writes of every projection.
        case activations = "activation"
        /// KV cache or recurrent state reads and writes.
        case kvCache = "kv_cache"
        /// Norms, SiLU, softmax, RoPE, residual adds, final softmax.
        case nonlinear = "nonlinear"
    }

    /// One component of one layer (nil = outside the layers: LM head, final norm).
    public struct Item: Sendable, Equatable {
        public var layer: Int?
        public var component: Component
        public var operations: Double
        public var picojoules: Double
    }

    /// The energy of one precision over a set of tokens.
    public struct Result: Sendable, Equatable {
        public var precision: DensePrecision
        public var tokens: Int
        public var items: [Item]

        public func picojoules(_ components: Set<Component>) -> Double {
            items.reduce(0) { components.contains($1.component) ? $0 + $1.picojoules : $0 }
        }
        public func operations(_ component: Component) -> Double {
            items.reduce(0) { $1.component == component ? $0 + $1.operations : $0 }
        }
        public var totalPicojoules: Double { items.reduce(0) { $0 + $1.picojoules } }
    }

    public let model: ModelSpec
    public let table: BaselineTable
    public let hierarchy: BaselineTable.Hierarchy

    /// - Parameter hierarchy: a hierarchy name of the table; nil for its default.
    public init(model: ModelSpec, table: BaselineTable, hierarchy: String? = nil) throws {
        guard model.layers > 0, model.hidden > 0, model.heads > 0, model.attention.count == model.layers else {
            throw BaselineError.invalidArgument("model \(model.name) has \(model.layers) layers, \(model.attention.count) attention kinds; they must match and be positive")
        }
        self.model = model; self.table = table; self.hierarchy = try table.hierarchy(hierarchy)
    }

    /// Energy of decoding tokens at the given context lengths (one entry per token: the
    /// number of positions it attends to, including itself).
    public func energy(_ precision: DensePrecision, contexts: [Int]) throws -> Result {
        if let bad = contexts.first(where: { $0 < 1 }) {
            throw BaselineError.invalidArgument("context length \(bad) is invalid; every token attends to at least itself (1)")
        }
        return Result(precision: precision, tokens: contexts.count, items: items(precision, contexts: contexts))
    }

    private func items(_ precision: DensePrecision, contexts: [Int]) -> [Item] {
        let p = table.precision(precision)
        let tokens = Double(contexts.count)
        let bytes = p.bytesPerValue
        let h = Double(model.hidden), ffn = Double(model.ffn), kv = Double(model.kvDim), hd = Double(model.headDim)
        let heads = Double(model.heads)
        var out: [Item] = []
        func add(_ layer: Int?, _ c: Component, ops: Double, pj: Double) {
            out.append(Item(layer: layer, component: c, operations: ops, picojoules: pj))
        }
        let weightsPerLayer = Double(model.parametersPerLayer)
        let activationValues = ModelSpec.Projection.allCases.reduce(0.0) {
            let s = model.shape(of: $1); return $0 + Double(s.inputs + s.outputs)
        }
        for (layer, kind) in model.attention.enumerated() {
            add(layer, .projectionMACs, ops: weightsPerLayer * tokens, pj: weightsPerLayer * tokens * p.macPJ)
            let weightBytes = weightsPerLayer * bytes * tokens
            add(layer, .weightFetch, ops: weightBytes, pj: table.transferPJ(bytes: weightBytes, levels: hierarchy.weights))
            let actBytes = activationValues * bytes * tokens
            add(layer, .activations, ops: actBytes, pj: table.transferPJ(bytes: actBytes, levels: hierarchy.activations))
            // Attention: positions attended per token, KV bytes read (plus the new K, V written).
            var attended = 0.0, kvBytes = 0.0, softmaxOps = 0.0
            for c in contexts {
                switch kind {
                case .full, .slidingWindow:
                    let span = Double(kind == .full ? c : min(c, model.slidingWindow))
                    attended += 2 * heads * hd * span
                    kvBytes += (2 * kv * span + 2 * kv) * bytes
                    softmaxOps += 3 * heads * span            // exp, sum, divide per score
                case .linear:
                    attended += 2 * heads * hd * hd
                    kvBytes += 2 * heads * hd * hd * bytes      // state read and written back
                }
            }
            add(layer, .attentionMACs, ops: attended, pj: attended * p.macPJ)
            add(layer, .kvCache, ops: kvBytes, pj: table.transferPJ(bytes: kvBytes, levels: hierarchy.kvCache))
            // Two RMSNorms (3 ops/element), RoPE on q and k (3 ops/element), SiLU (4) and gating (1)
            // per FFN element, two residual adds per hidden element.
            let elementwise = (2 * 3 * h + 3 * (h + kv) + 5 * ffn + 2 * h) * tokens + softmaxOps
            add(layer, .nonlinear, ops: elementwise, pj: elementwise * p.nonlinearOpPJ)
        }
        let head = h * Double(model.vocabulary)
        add(nil, .projectionMACs, ops: head * tokens, pj: head * tokens * p.macPJ)
        let headBytes = head * bytes * tokens
        add(nil, .weightFetch, ops: headBytes, pj: table.transferPJ(bytes: headBytes, levels: hierarchy.weights))
        let headActs = (h + Double(model.vocabulary)) * bytes * tokens
        add(nil, .activations, ops: headActs, pj: table.transferPJ(bytes: headActs, levels: hierarchy.activations))
        let final = (3 * h + 3 * Double(model.vocabulary)) * tokens   // final RMSNorm, softmax over the vocabulary
        add(nil, .nonlinear, ops: final, pj: final * p.nonlinearOpPJ)
        return out
    }
}
