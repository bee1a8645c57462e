import Foundation
import Mapping
import Neurons

/// Firing statistics of a trace, gathered in one streaming pass: what `spikechip trace
/// stats` prints. Activation traces are encoded first (with the header's suggested encoder
/// unless another is given), so their rows describe the spikes a replay would see.
public struct TraceStatistics: Codable, Sendable {
    /// One stage (or, in `layers`, one layer with its stages summed) over all tokens read.
    public struct Row: Codable, Hashable, Sendable {
        /// Stage kind ("qkv", ...) or "layer" for a layer row.
        public var kind: String
        public var layer: Int
        /// Input neurons (summed over the stages of a layer row).
        public var inputs: Int
        /// Spike events (non-zero neuron-steps) over all tokens.
        public var spikes: Int
        /// Σ |amplitude|: more than `spikes` when multi-spike neurons fire several spikes in a step.
        public var amplitude: Int
        /// Neurons that did not fire in any step of a token, summed over tokens.
        public var silentNeurons: Int
        /// Bytes in the file (framed blocks).
        public var bytes: Int
        /// Spike events per neuron and step.
        public var firingRate: Double
        /// Fraction of neurons silent through all T steps of a token (SpikingBrain's sparsity measure).
        public var silentFraction: Double
    }

    public var header: TraceHeader
    /// How the file ended (complete, or truncated and where).
    public var completion: TraceCompletion
    /// Tokens whose every stage was read.
    public var tokens: Int
    public var blocks: Int
    public var fileBytes: Int64
    /// Time steps of the spikes counted (the encoder's for activation traces).
    public var timeSteps: Int
    public var stages: [Row]
    public var layers: [Row]
    public var spikesPerToken: Double
    public var bytesPerToken: Double

    /// Reads `path` to the end.
    /// - Parameter encoder: for activation traces, overrides the header's suggested encoder.
    /// - Throws: `TraceError` if the file is corrupt or the encoder cannot be built or fails.
    public init(path: String, encoder override: ConfiguredEncoder? = nil) throws {
        let reader = try TraceReader(path: path)
        let h = reader.header
        var encoder: ConfiguredEncoder?
        if h.content == .activations {
            do { encoder = try override ?? ConfiguredEncoder(parsing: h.encoder) } catch {
                throw TraceError.mismatch("the trace suggests encoder '\(h.encoder)', which does not parse (\(error)): pass --encoder")
            }
        }
        // A network trace's rows are its streams: the population's name, its index among the streams.
        var rows = (0..<h.blocksPerToken).map { i in
            Row(kind: h.content == .network ? h.streams[i].population : h.stages[i].kind.rawValue,
                layer: h.content == .network ? i : h.stages[i].layer, inputs: h.width(ofStage: i),
                spikes: 0, amplitude: 0, silentNeurons: 0, bytes: 0, firingRate: 0, silentFraction: 0)
        }
        var blockCount = rows.map { _ in 0 }
        var neuronSteps = rows.map { _ in 0 }   // adaptive encoders may vary T per block
        var block = SpikeBlock(), values = ContiguousArray<Float>(), train = SpikeTrain(neuronCount: 0, steps: 0)
        var fired = ContiguousArray<UInt64>()
        var steps = h.timeSteps
        while let b = try reader.next() {
            let n = h.width(ofStage: b.stage)
            if b.kind == .membranes {   // checked by next(); counted in bytes only
                rows[b.stage].bytes += b.byteCount
                blockCount[b.stage] += 1
                continue
            }
            if var e = encoder {
                try reader.activations(into: &values)
                do { try values.withUnsafeBufferPointer { (v) throws(NeuronParameterError) in try e.encode(v, into: &train) } } catch {
                    throw TraceError.mismatch("block \(b.index) (token \(b.token), \(h.stages[b.stage])): cannot encode: \(error)")
                }
                encoder = e
                steps = train.steps
                block.assign(train)
            } else {
                try reader.spikes(into: &block)
            }
            fired.removeAll(keepingCapacity: true)
            fired.append(contentsOf: repeatElement(0, count: (n + 63) / 64))
            var amplitude = 0
            for i in 0..<block.spikeCount {
                let neuron = Int(block.neurons[i])
                fired[neuron >> 6] |= 1 << UInt64(neuron & 63)
                amplitude += abs(Int(block.amplitudes[i]))
            }
            rows[b.stage].spikes += block.spikeCount
            rows[b.stage].amplitude += amplitude
            rows[b.stage].silentNeurons += n - fired.reduce(0) { $0 + $1.nonzeroBitCount }
            rows[b.stage].bytes += b.byteCount
            blockCount[b.stage] += 1
            neuronSteps[b.stage] += n * block.steps
        }
        let completion = reader.completion!
        for i in rows.indices {
            let neuronTokens = Double(rows[i].inputs * blockCount[i])
            rows[i].firingRate = neuronSteps[i] > 0 ? Double(rows[i].spikes) / Double(neuronSteps[i]) : 0
            rows[i].silentFraction = neuronTokens > 0 ? Double(rows[i].silentNeurons) / neuronTokens : 0
        }
        var byLayer: [Row] = []
        for (i, r) in rows.enumerated() {
            let tokensRead = Double(blockCount[i])
            if let j = byLayer.firstIndex(where: { $0.layer == r.layer }) {
                byLayer[j].inputs += r.inputs
                byLayer[j].spikes += r.spikes; byLayer[j].amplitude += r.amplitude
                byLayer[j].silentNeurons += r.silentNeurons; byLayer[j].bytes += r.bytes
                // Weighted by neuron-tokens, so a layer's rate is its spikes over its neuron-steps.
                byLayer[j].firingRate += r.firingRate * Double(r.inputs) * tokensRead
                byLayer[j].silentFraction += r.silentFraction * Double(r.inputs) * tokensRead
            } else {
                var l = r
                l.kind = r.kind == Stage.Kind.lmHead.rawValue ? r.kind : "layer"
                l.firingRate *= Double(r.inputs) * tokensRead
                l.silentFraction *= Double(r.inputs) * tokensRead
                byLayer.append(l)
            }
        }
        let tokensRead = blockCount.first ?? 0
        for j in byLayer.indices where tokensRead > 0 {
            byLayer[j].firingRate /= Double(byLayer[j].inputs * tokensRead)
            byLayer[j].silentFraction /= Double(byLayer[j].inputs * tokensRead)
        }
        header = h
        self.completion = completion
        tokens = completion.tokens
        blocks = reader.blocksRead
        fileBytes = reader.fileSize
        timeSteps = steps
        let perToken = Double(max(tokens, 1))
        spikesPerToken = Double(rows.reduce(0) { $0 + $1.spikes }) / perToken
        bytesPerToken = Double(rows.reduce(0) { $0 + $1.bytes }) / perToken
        if h.content == .network {
            // Firing statistics describe spike streams; membrane streams count in the bytes above.
            stages = rows.indices.filter { h.holdsSpikes(stage: $0) }.map { rows[$0] }
            layers = []
        } else {
            stages = rows
            layers = byLayer
        }
    }

    /// The report `spikechip trace stats` prints.
    public func text() -> String {
        var out: [String] = []
        if header.content == .network { return networkText() }
        out.append("trace     \(header.modelName), \(header.content.rawValue), encoder '\(header.encoder)', T = \(timeSteps)")
        out.append(blocksLine(unit: "tokens"))
        out.append(format("per token %.0f spikes, %.0f bytes (%.3f bytes per spike)", spikesPerToken, bytesPerToken, bytesPerToken / max(spikesPerToken, 1)))
        if let line = provenanceLine() { out.append(line) }
        out.append("")
        out.append("stage  layer  kind      inputs  firing rate  silent  spikes/token  bytes/token")
        let perToken = Double(max(tokens, 1))
        for (i, r) in stages.enumerated() {
            out.append(format("%5d  %5d  ", i, r.layer) + r.kind.padding(toLength: 8, withPad: " ", startingAt: 0)
                + format("  %6d  %11.4f  %6.3f  %12.1f  %11.1f", r.inputs, r.firingRate, r.silentFraction,
                         Double(r.spikes) / perToken, Double(r.bytes) / perToken))
        }
        out.append("")
        out.append("layer     inputs  firing rate  silent  spikes/token  bytes/token")
        for r in layers {
            let name = r.kind == "layer" ? String(r.layer) : r.kind
            out.append(String(repeating: " ", count: max(0, 7 - name.count)) + name
                + format("  %8d  %11.4f  %6.3f  %12.1f  %11.1f", r.inputs, r.firingRate, r.silentFraction,
                         Double(r.spikes) / perToken, Double(r.bytes) / perToken))
        }
        return out.joined(separator: "\n")
    }

    /// A network trace's report: per step instead of per token, one row per spike stream.
    private func networkText() -> String {
        let membranes = header.streams.filter { $0.record == .membranes }.map(\.population)
        var out = ["trace     network, \(header.streams.count) streams, dt \(header.dtNs ?? 0) ns, input '\(header.encoder)'"
            + (membranes.isEmpty ? "" : "; membranes of \(membranes.joined(separator: ", "))")]
        out.append(blocksLine(unit: "steps"))
        out.append(format("per step  %.1f spikes, %.0f bytes", spikesPerToken, bytesPerToken))
        if let line = provenanceLine() { out.append(line) }
        out.append("")
        out.append("population        neurons  firing rate  silent  spikes/step  bytes/step")
        let perStep = Double(max(tokens, 1))
        for r in stages {
            out.append(r.kind.padding(toLength: max(16, r.kind.count), withPad: " ", startingAt: 0)
                + format("  %7d  %11.4f  %6.3f  %11.2f  %10.1f", r.inputs, r.firingRate, r.silentFraction,
                         Double(r.spikes) / perStep, Double(r.bytes) / perStep))
        }
        return out.joined(separator: "\n")
    }

    /// How many blocks in how many complete `unit`s (tokens, or a network trace's steps), and how the file ends.
    private func blocksLine(unit: String) -> String {
        switch completion {
        case .complete(let t, let b): "blocks    \(b) in \(t) \(unit), \(fileBytes) bytes, complete"
        case let .truncated(offset, b, t): "blocks    \(b) in \(t) complete \(unit), \(fileBytes) bytes, TRUNCATED at byte \(offset) (writer did not finish)"
        }
    }

    private func provenanceLine() -> String? {
        header.provenance.isEmpty ? nil
            : "provenance " + header.provenance.keys.sorted().map { "\($0)=\(Self.render(header.provenance[$0]!))" }.joined(separator: ", ")
    }

    private func format(_ f: String, _ args: CVarArg...) -> String { String(format: f, arguments: args) }

    private static func render(_ v: JSONValue) -> String {
        switch v {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .integer(let i): "\(i)"
        case .number(let d): "\(d)"
        case .string(let s): s
        case .array(let a): "[" + a.map(render).joined(separator: ", ") + "]"
        case .object(let o): "{" + o.keys.sorted().map { "\($0)=\(render(o[$0]!))" }.joined(separator: ", ") + "}"
        }
    }
}
