import Foundation
import Mapping
import ModelShapes
import Models
import SimKernel
import Topology
@testable import Traces

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let tinySpec = ModelSpec(name: "tiny", architecture: "llama", layers: 2, hidden: 96, ffn: 160, heads: 4, kvHeads: 2,
                         vocabulary: 200, contextLength: 512, tiedEmbeddings: false)

/// A per-process directory for the tests' traces, removed when the test process exits.
private let traceDirectory: URL = {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spikechip-traces-tests-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    atexit {
        try? FileManager.default.removeItem(at: FileManager.default.temporaryDirectory.appendingPathComponent("spikechip-traces-tests-\(getpid())"))
    }
    return dir
}()

/// A fresh path in the tests' temporary directory.
func temporaryTracePath(_ name: String = #function) -> String {
    let dir = traceDirectory
    let clean = name.filter { $0.isLetter || $0.isNumber }
    return dir.appendingPathComponent("\(clean)-\(UUID().uuidString).trace").path
}

/// The LLM board shrunk to 2x2 chips of 8x8 cores with 32x32 crossbars (as in EngineTests).
func smallBoard() throws -> Topology {
    var yaml = try String(contentsOf: repoRoot.appendingPathComponent("topologies/spikechip-llm.yaml"), encoding: .utf8)
    for (a, b) in [("chips: {x: 2, y: 4}", "chips: {x: 2, y: 2}"), ("mesh: {x: 64, y: 64}", "mesh: {x: 8, y: 8}"),
                   ("axons: 512", "axons: 32"), ("neurons: 512", "neurons: 32")] {
        yaml = yaml.replacingOccurrences(of: a, with: b)
    }
    return try Topology.parse(yaml: yaml, file: "small")
}

/// A header of `stages` widths (alternating stage kinds of layer 0..), for format tests that need no mapping.
func header(widths: [Int], timeSteps: Int, content: TraceContent = .spikes) -> TraceHeader {
    let kinds: [Stage.Kind] = [.attentionInput, .attentionOutput, .ffnInput, .ffnOutput]
    let stages = widths.enumerated().map { TraceStage(kind: kinds[$0.offset % 4], layer: $0.offset / 4, inputs: $0.element) }
    return TraceHeader(spec: tinySpec, stages: stages, content: content, encoder: "spikingbrain:k=3,T=\(timeSteps),coding=ternary",
                       timeSteps: timeSteps, provenance: ["tool": .string("tests"), "seed": .integer(Int64.max)])
}

/// A seeded random block: per step a random density (including empty and full steps),
/// mostly ±1 amplitudes with some multi-spike ones up to ±127.
func randomBlock(inputs: Int, steps: Int, rng: inout SplitMix64) -> SpikeBlock {
    var block = SpikeBlock()
    for _ in 0..<steps {
        let density: Double = switch rng.next() % 5 { case 0: 0; case 1: 1; default: rng.nextUnit() * 0.5 }
        for n in 0..<inputs where rng.nextUnit() < density {
            let r = rng.next() % 10
            let a: Int8 = r < 4 ? 1 : r < 8 ? -1 : Int8(Int(rng.next() % 254) - 127)
            block.append(neuron: Int32(n), amplitude: a == 0 ? 127 : a)
        }
        block.endStep()
    }
    return block
}

/// Writes `tokens` tokens of random spike blocks; returns the blocks in file order.
@discardableResult
func writeRandomSpikeTrace(path: String, widths: [Int], timeSteps: Int, tokens: Int, seed: UInt64, finish: Bool = true) throws -> [SpikeBlock] {
    var rng = SplitMix64(seed: seed)
    let writer = try TraceWriter(path: path, header: header(widths: widths, timeSteps: timeSteps))
    var blocks: [SpikeBlock] = []
    for t in 0..<tokens {
        for (s, n) in widths.enumerated() {
            let b = randomBlock(inputs: n, steps: timeSteps, rng: &rng)
            try writer.append(token: t, stage: s, spikes: b)
            blocks.append(b)
        }
    }
    if finish { try writer.finish() }
    return blocks
}

/// Offsets of every data block and of the end block, found by walking the frames.
func blockOffsets(_ bytes: [UInt8]) -> [Int] {
    let headerLength = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
    var offsets: [Int] = []
    var o = 16 + headerLength + 4
    while o < bytes.count {
        offsets.append(o)
        let length = Int(bytes[o + 9]) | Int(bytes[o + 10]) << 8 | Int(bytes[o + 11]) << 16 | Int(bytes[o + 12]) << 24
        o += 13 + length + 4
    }
    return offsets
}

/// Reads every block of `path`, decoding spikes.
func readAllSpikes(_ path: String) throws -> (blocks: [SpikeBlock], reader: TraceReader) {
    let reader = try TraceReader(path: path)
    var out: [SpikeBlock] = []
    var block = SpikeBlock()
    while try reader.next() != nil {
        try reader.spikes(into: &block)
        out.append(block)
    }
    return (out, reader)
}
