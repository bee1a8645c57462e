/// A network as the chip runs it: populations of neurons (the graph's Input and spiking nodes)
/// joined by projections, each a dense weight matrix with a delay in time steps.
///
/// Built from a `NetworkGraph` by composing every chain of linear nodes (Affine, Linear, Scale,
/// Delay) between two populations into one matrix, as NIR defines them: a node's input is the sum
/// of its incoming edges; per time step the graph is evaluated in edge order from the inputs, and
/// an edge that closes a cycle (a recurrent connection) carries the previous step's value. So a
/// feed-forward path has delay 0 (a spike reaches the next layer within its step, as in snnTorch),
/// a recurrent edge 1, and a Delay node adds `delay / dt` steps.
public struct SpikingNetwork: Sendable {
    public struct Population: Sendable {
        public let name: String
        public let size: Int
        /// Nil for an input population (its spikes come from the input file).
        public let dynamics: NeuronDynamics?
        /// Constant input currents (the biases of the Affine nodes feeding it), each from its first step on (a bias
        /// behind a Delay node starts `delay` steps late), in step order.
        public let biases: [(from: Int, values: ContiguousArray<Double>)]
        /// Whether an Output node reads it.
        public let isOutput: Bool
        public var isInput: Bool { dynamics == nil }
    }

    public struct Projection: Sendable {
        public let source: Int
        public let target: Int
        /// Steps between a spike and its effect on the target (0: the same step).
        public let delay: Int
        /// [target.size × source.size], stored by source neuron.
        public let matrix: SparseMatrix
    }

    public let populations: [Population]
    public let projections: [Projection]
    /// The model time step (NIR's ODEs are integrated with forward Euler at this step).
    public let dtSeconds: Double
    /// The file it came from.
    public let path: String

    /// Longest delay of any projection, in steps.
    public var maxDelay: Int { projections.map(\.delay).max() ?? 0 }
    /// Synapses (non-zero weights).
    public var synapses: Int { projections.reduce(0) { $0 + $1.matrix.nonzeros } }
    public var neurons: Int { populations.reduce(0) { $0 + $1.size } }
    /// Global neuron id of each population's first neuron (populations numbered in order), then the total.
    public var populationStart: [Int] { populations.reduce(into: [0]) { $0.append($0.last! + $1.size) } }
    /// Global ids of the input neurons, in population order: the columns of an input `.npy`.
    public var inputNeurons: [Int32] {
        let start = populationStart
        return populations.indices.filter { populations[$0].isInput }.flatMap { p in (start[p]..<start[p + 1]).map { Int32($0) } }
    }

    /// Composed dense matrices above this many elements are refused (8 GiB of Double).
    public static let maxComposedWeights = 1 << 30
    /// Longest delay: 1,024 steps.
    public static let maxDelaySteps = 1024

    public init(_ graph: NetworkGraph, dtSeconds: Double) throws {
        guard dtSeconds.isFinite, dtSeconds > 0, dtSeconds <= 1 else {
            throw NetworkError.invalidGraph("the model time step must be between 0 and 1 s, got \(dtSeconds) s")
        }
        let nodes = graph.nodes
        // Edges that close a cycle, found by a depth-first walk from the inputs in edge order.
        var outgoing = Array(repeating: [Int](), count: nodes.count)
        for (i, e) in graph.edges.enumerated() { outgoing[e.from].append(i) }
        var state = Array(repeating: 0, count: nodes.count) // 0 unseen, 1 on the stack, 2 done
        var back = Set<Int>()
        func walk(_ root: Int) {
            var stack: [(node: Int, next: Int)] = [(root, 0)]
            state[root] = 1
            while let top = stack.last {
                if top.next < outgoing[top.node].count {
                    stack[stack.count - 1].next += 1
                    let e = outgoing[top.node][top.next]
                    let to = graph.edges[e].to
                    if state[to] == 1 { back.insert(e) } else if state[to] == 0 { state[to] = 1; stack.append((to, 0)) }
                } else {
                    state[top.node] = 2
                    stack.removeLast()
                }
            }
        }
        for i in nodes.indices where nodes[i].type == .input && state[i] == 0 { walk(i) }
        for i in nodes.indices where state[i] == 0 { walk(i) }

        // Populations: Input and spiking nodes, in file order.
        var populationOf = Array(repeating: -1, count: nodes.count)
        var incoming = Array(repeating: [Int](), count: nodes.count)
        for (i, e) in graph.edges.enumerated() { incoming[e.to].append(i) }
        var populations: [(node: Int, dynamics: NeuronDynamics?)] = []
        for (i, n) in nodes.enumerated() where n.type == .input || n.type.spikes {
            populationOf[i] = populations.count
            populations.append((i, n.type == .input ? nil : try NeuronDynamics(n, dtSeconds: dtSeconds)))
        }

        // The value of a linear node: a sum of (population, delay) terms, each a dense matrix, plus a constant.
        var values: [Int: LinearValue] = [:]
        var visiting = Set<Int>()
        func value(of node: Int) throws -> LinearValue {
            if populationOf[node] >= 0 { return LinearValue(identity: populationOf[node], size: nodes[node].size) }
            if let v = values[node] { return v }
            guard visiting.insert(node).inserted else {
                throw NetworkError.invalidGraph("\(graph.path): a cycle through '\(nodes[node].name)' contains no neuron: it has no time-step semantics")
            }
            let n = nodes[node]
            var sum = try Self.sumOfInputs(node, graph, incoming, back, value: value)
            switch n.type {
            case .affine, .linear:
                guard sum.size == n.inputs else {
                    throw NetworkError.invalidGraph("\(graph.path): '\(n.name)' takes \(n.inputs ?? 0) inputs but receives \(sum.size)")
                }
                sum = try sum.multiplied(by: n.parameters["weight"]!, rows: n.size, bias: n.parameters["bias"], name: n.name)
            case .sparseLinear:
                guard sum.size == n.inputs else {
                    throw NetworkError.invalidGraph("\(graph.path): '\(n.name)' takes \(n.inputs ?? 0) inputs but receives \(sum.size)")
                }
                sum = try sum.multiplied(bySparse: n.sparse!, name: n.name)
            case .scale:
                try Self.checkSize(sum.size, n, graph)
                sum = sum.scaled(by: n.parameters["scale"]!)
            case .delay:
                try Self.checkSize(sum.size, n, graph)
                let d = n.parameters["delay"]!
                guard d.allSatisfy({ $0 == d[0] }), let steps = wholeSteps(Double(d[0]), dt: dtSeconds, atMost: Self.maxDelaySteps) else {
                    throw NetworkError.invalidGraph("\(graph.path): Delay '\(n.name)' must delay every element by the same whole number of time steps (≤ \(Self.maxDelaySteps)) of \(dtSeconds) s; got \(d[0]) s")
                }
                sum = sum.delayed(by: steps, constants: true)
            case .output:
                break
            case .input, .integrateAndFire, .lif, .cubaLIF, .threshold, .trueNorth:
                preconditionFailure("populations return above")
            }
            visiting.remove(node)
            values[node] = sum
            return sum
        }

        var projections: [Projection] = []
        var built: [Population] = []
        var outputs = Set<Int>()
        for (i, n) in nodes.enumerated() where n.type == .output {
            for e in incoming[i] {
                let from = graph.edges[e].from
                guard populationOf[from] >= 0 else {
                    throw NetworkError.invalidGraph("\(graph.path): Output '\(n.name)' is fed by \(nodes[from].type.rawValue) '\(nodes[from].name)'; SpikeChip records spikes, so an Output must follow a spiking node or an Input")
                }
                outputs.insert(populationOf[from])
            }
        }
        for (p, entry) in populations.enumerated() {
            let n = nodes[entry.node]
            var biases: [(from: Int, values: ContiguousArray<Double>)] = []
            if entry.dynamics != nil {
                let input = try Self.sumOfInputs(entry.node, graph, incoming, back, value: value)
                if input.size != 0 { try Self.checkSize(input.size, n, graph) }
                for term in input.terms.sorted(by: { ($0.key.population, $0.key.delay) < ($1.key.population, $1.key.delay) }) {
                    guard term.key.delay <= Self.maxDelaySteps else {
                        throw NetworkError.invalidGraph("\(graph.path): a path into '\(n.name)' is delayed \(term.key.delay) steps, more than \(Self.maxDelaySteps)")
                    }
                    projections.append(Projection(source: term.key.population, target: p, delay: term.key.delay,
                                                  matrix: term.value.sparse(rows: n.size)))
                }
                biases = input.constants.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                if entry.dynamics?.kind == .trueNorth {
                    try Self.checkTrueNorthInputs(projections.filter { $0.target == p }, biases.map(\.values), n, graph)
                }
            } else if !incoming[entry.node].isEmpty {
                throw NetworkError.invalidGraph("\(graph.path): Input '\(n.name)' has incoming edges")
            }
            built.append(Population(name: n.name, size: n.size, dynamics: entry.dynamics, biases: biases, isOutput: outputs.contains(p)))
        }
        for proj in projections where proj.delay == 0 && proj.source == proj.target {
            throw NetworkError.invalidGraph("\(graph.path): '\(built[proj.source].name)' feeds itself without delay")
        }
        self.populations = built; self.projections = projections; self.dtSeconds = dtSeconds; self.path = graph.path
    }

    static func sumOfInputs(_ node: Int, _ graph: NetworkGraph, _ incoming: [[Int]], _ back: Set<Int>,
                     value: (Int) throws -> LinearValue) throws -> LinearValue {
        var sum = LinearValue(size: 0)
        for e in incoming[node] {
            var v = try value(graph.edges[e].from)
            // A recurrent edge carries the previous step's spikes; a bias on it is there from step 0 (as snnTorch's RLeaky adds it).
            if back.contains(e) { v = v.delayed(by: 1, constants: false) }
            guard sum.size == 0 || sum.size == v.size else {
                throw NetworkError.invalidGraph("\(graph.path): '\(graph.nodes[node].name)' receives inputs of sizes \(sum.size) and \(v.size)")
            }
            sum = try sum.adding(v)
        }
        return sum
    }

    /// A TrueNorth crossbar holds integer weights of 9 bits (−255…255), and its neurons add whole numbers.
    static func checkTrueNorthInputs(_ into: [Projection], _ biases: [ContiguousArray<Double>], _ n: NetworkGraph.Node, _ graph: NetworkGraph) throws {
        for proj in into {
            if let bad = proj.matrix.value.first(where: { $0.rounded() != $0 || abs($0) > 255 }) {
                throw NetworkError.invalidGraph("\(graph.path): a weight into TrueNorth population '\(n.name)' is \(bad); TrueNorth synapses take whole numbers in -255...255 (composed along the path from its source)")
            }
        }
        for b in biases {
            if let bad = b.first(where: { $0.rounded() != $0 || abs($0) > Double(1 << 19) }) {
                throw NetworkError.invalidGraph("\(graph.path): a bias into TrueNorth population '\(n.name)' is \(bad); TrueNorth neurons add whole numbers (use its leak for a constant drive)")
            }
        }
    }

    static func checkSize(_ size: Int, _ n: NetworkGraph.Node, _ graph: NetworkGraph) throws {
        guard size == n.size else {
            throw NetworkError.invalidGraph("\(graph.path): '\(n.name)' has \(n.size) elements but receives \(size)")
        }
    }
}

/// A linear function of populations' spikes: Σ M·s_p(t − d) + c, while composing a graph.
struct LinearValue {
    struct Key: Hashable { let population: Int; let delay: Int }
    /// A term's matrix: the identity (a population feeding a node directly), dense row-major, or sparse.
    enum Matrix {
        case identity(Int)
        case dense(ContiguousArray<Double>, rows: Int, columns: Int)
        case sparse(SparseMatrix)

        func dense(rows: Int, columns: Int) -> ContiguousArray<Double> {
            switch self {
            case .dense(let m, _, _): return m
            case .sparse(let m): return m.dense()
            case .identity(let n):
                var m = ContiguousArray<Double>(repeating: 0, count: n * n)
                for i in 0..<n { m[i * n + i] = 1 }
                return m
            }
        }

        func sparse(rows: Int) -> SparseMatrix {
            switch self {
            case .sparse(let m): return m
            case .dense(let m, let r, let c): return SparseMatrix(dense: m, rows: r, columns: c)
            case .identity(let n): return SparseMatrix(rows: n, columns: n, triplets: (0..<n).map { (Int32($0), Int32($0), 1) })
            }
        }

        var columns: Int {
            switch self {
            case .identity(let n): n
            case .dense(_, _, let c): c
            case .sparse(let m): m.columns
            }
        }
    }

    var size: Int
    var terms: [Key: Matrix] = [:]
    /// Constant terms by the first step they are present at (0, or later behind Delay nodes).
    var constants: [Int: ContiguousArray<Double>] = [:]

    init(size: Int) { self.size = size }
    init(identity population: Int, size: Int) {
        self.size = size
        terms[Key(population: population, delay: 0)] = .identity(size)
    }

    /// The value `steps` later; with `constants`, constant terms too start `steps` later (a Delay node outputs 0 until its
    /// first input arrives).
    func delayed(by steps: Int, constants shift: Bool) -> LinearValue {
        var v = LinearValue(size: size)
        for (k, m) in terms { v.terms[Key(population: k.population, delay: k.delay + steps)] = m }
        for (from, c) in constants { v.constants[shift ? from + steps : from] = c }
        return v
    }

    func adding(_ other: LinearValue) throws -> LinearValue {
        var v = self
        v.size = other.size
        for (k, m) in other.terms {
            guard let mine = v.terms[k] else { v.terms[k] = m; continue }
            if case .sparse(let a) = mine.asSparseIfNeeded(other.size), case .sparse(let b) = m.asSparseIfNeeded(other.size) {
                v.terms[k] = .sparse(a.adding(b))
            } else {
                try LinearValue.checkDense(other.size, m.columns)
                let a = mine.dense(rows: other.size, columns: m.columns), b = m.dense(rows: other.size, columns: m.columns)
                v.terms[k] = .dense(ContiguousArray(zip(a, b).map(+)), rows: other.size, columns: m.columns)
            }
        }
        for (from, c) in other.constants { v.constants[from] = v.constants[from].map { ContiguousArray(zip($0, c).map(+)) } ?? c }
        return v
    }

    func scaled(by s: ContiguousArray<Float>) -> LinearValue {
        var v = LinearValue(size: size)
        for (k, m) in terms {
            if case .dense(var d, _, let cols) = m {
                for r in 0..<size { for c in 0..<cols { d[r * cols + c] *= Double(s[r]) } }
                v.terms[k] = .dense(d, rows: size, columns: cols)
            } else {
                v.terms[k] = .sparse(m.sparse(rows: size).scaled(byRow: s))
            }
        }
        v.constants = constants.mapValues { c in ContiguousArray(c.indices.map { c[$0] * Double(s[$0]) }) }
        return v
    }

    static func checkDense(_ rows: Int, _ cols: Int, name: String = "a sum of paths") throws {
        guard rows.multipliedReportingOverflow(by: cols).partialValue <= SpikingNetwork.maxComposedWeights else {
            throw NetworkError.invalidGraph("\(name) composes into a \(rows) × \(cols) dense matrix, more than \(SpikingNetwork.maxComposedWeights) weights; use SparseLinear nodes")
        }
    }

    /// W·self (+ b): W is dense row-major [rows × size].
    func multiplied(by w: ContiguousArray<Float>, rows: Int, bias: ContiguousArray<Float>?, name: String) throws -> LinearValue {
        var v = LinearValue(size: rows)
        for (k, m) in terms {
            switch m {
            case .identity:
                v.terms[k] = .dense(ContiguousArray(w.lazy.map(Double.init)), rows: rows, columns: size)
            case .dense(let inner, _, let cols):
                try Self.checkDense(rows, cols, name: "'\(name)'")
                var out = ContiguousArray<Double>(repeating: 0, count: rows * cols)
                for r in 0..<rows {
                    for j in 0..<size where w[r * size + j] != 0 {
                        let x = Double(w[r * size + j])
                        for c in 0..<cols { out[r * cols + c] += x * inner[j * cols + c] }
                    }
                }
                v.terms[k] = .dense(out, rows: rows, columns: cols)
            case .sparse(let inner):
                try Self.checkDense(rows, inner.columns, name: "'\(name)'")
                var out = ContiguousArray<Double>(repeating: 0, count: rows * inner.columns)
                let cols = inner.columns
                for c in 0..<cols {
                    for e in inner.start[c]..<inner.start[c + 1] {
                        let j = Int(inner.row[e]), x = inner.value[e]
                        for r in 0..<rows { out[r * cols + c] += Double(w[r * size + j]) * x }
                    }
                }
                v.terms[k] = .dense(out, rows: rows, columns: cols)
            }
        }
        for (from, inner) in constants {
            var c = ContiguousArray<Double>(repeating: 0, count: rows)
            for r in 0..<rows { for j in 0..<size { c[r] += Double(w[r * size + j]) * inner[j] } }
            v.constants[from] = c
        }
        if let bias, bias.contains(where: { $0 != 0 }) {
            var c = v.constants[0] ?? ContiguousArray(repeating: 0, count: rows)
            for r in 0..<rows { c[r] += Double(bias[r]) }
            v.constants[0] = c
        }
        return v
    }

    /// S·self: S is sparse [rows × size]; sparse terms stay sparse.
    func multiplied(bySparse s: SparseMatrix, name: String) throws -> LinearValue {
        let rows = s.rows
        var v = LinearValue(size: rows)
        for (k, m) in terms {
            switch m {
            case .identity:
                v.terms[k] = .sparse(s)
            case .sparse(let inner):
                var t: [(row: Int32, column: Int32, value: Double)] = []
                for c in 0..<inner.columns {
                    for e in inner.start[c]..<inner.start[c + 1] {
                        let j = Int(inner.row[e])
                        for f in s.start[j]..<s.start[j + 1] { t.append((s.row[f], Int32(c), s.value[f] * inner.value[e])) }
                    }
                    guard t.count <= NetworkGraph.maxWeights else {
                        throw NetworkError.invalidGraph("'\(name)' composes into more than \(NetworkGraph.maxWeights) synapses")
                    }
                }
                v.terms[k] = .sparse(SparseMatrix(rows: rows, columns: inner.columns, triplets: t))
            case .dense(let inner, _, let cols):
                try Self.checkDense(rows, cols, name: "'\(name)'")
                var out = ContiguousArray<Double>(repeating: 0, count: rows * cols)
                for j in 0..<size {
                    for f in s.start[j]..<s.start[j + 1] {
                        let r = Int(s.row[f]), x = s.value[f]
                        for c in 0..<cols { out[r * cols + c] += x * inner[j * cols + c] }
                    }
                }
                v.terms[k] = .dense(out, rows: rows, columns: cols)
            }
        }
        for (from, inner) in constants {
            var c = ContiguousArray<Double>(repeating: 0, count: rows)
            for j in 0..<size { for f in s.start[j]..<s.start[j + 1] { c[Int(s.row[f])] += s.value[f] * inner[j] } }
            v.constants[from] = c
        }
        return v
    }
}

extension LinearValue.Matrix {
    /// Sparse for sparse and identity terms (so sums of sparse paths stay sparse), else itself.
    func asSparseIfNeeded(_ rows: Int) -> LinearValue.Matrix {
        switch self {
        case .dense: self
        case .identity, .sparse: .sparse(sparse(rows: rows))
        }
    }
}

/// `seconds` as a whole number of time steps of `dt` (to within 10⁻⁶ of a step, as F32 times give
/// them), or nil if it is not one or exceeds `atMost`: Delay nodes and refractory periods.
func wholeSteps(_ seconds: Double, dt: Double, atMost: Int) -> Int? {
    let steps = seconds / dt
    guard abs(steps - steps.rounded()) < 1e-6 * max(1, steps), steps <= Double(atMost) else { return nil }
    return Int(steps.rounded())
}
