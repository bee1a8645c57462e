import Benchmarks
import ClosedLoop
import Engine
import Foundation
import ModelShapes
import Models
import Pipeline

/// What a closed-loop run adds to the report: the generated text and the latencies a user
/// of an LLM cares about.
struct ClosedLoopOutcome: RunExtras {
    var promptTokens: Int
    var generatedTokens: Int
    var generatedIDs: [Int32]
    var text: String?
    /// Simulated time to first token: the prompt's positions one after the other, in ns.
    var timeToFirstToken: Double
    /// Simulated inter-token latencies of the generated tokens after the first, in ns.
    var interTokenLatencies: [Double]
    var loadSeconds: Double
    var functionalSeconds: Double
    var peakMemoryBytes: Int
    /// Top-1 agreement and mean KL against the dense model (`--fidelity`), nil otherwise.
    var fidelity: (top1Agreement: Double, meanKL: Double, positions: Int)?
    var isClosedLoop: Bool { true }

    /// - Throws: the forward pass's error, if one stopped the closed loop.
    init(source: ClosedLoopSource, result: RunResult, tokenizer: BPETokenizer?, loadSeconds: Double) throws {
        if let failure = source.failure { throw failure }
        promptTokens = source.prompt.count
        generatedIDs = source.generated
        generatedTokens = source.generated.count
        text = tokenizer?.decode(source.generated)
        let p = source.prompt.count
        // Per-token times are kept for the first TokenTimes.detailLimit tokens (a closed loop decodes far fewer).
        let ends = result.tokenEnd, latencies = result.tokenLatencies
        timeToFirstToken = p >= 1 && p <= ends.count ? ends[p - 1].nanoseconds : .nan
        interTokenLatencies = latencies.count > p ? latencies[p...].map(\.nanoseconds) : []
        self.loadSeconds = loadSeconds
        functionalSeconds = source.functionalSeconds
        peakMemoryBytes = ModelBenchmark.peakResidentBytes()
        fidelity = source.fidelity
    }

    var meanInterToken: Double { interTokenLatencies.isEmpty ? .nan : interTokenLatencies.reduce(0, +) / Double(interTokenLatencies.count) }

    func printText() {
        if let text { print("generated \(text.debugDescription)") }
        print("token ids \(generatedIDs.map(String.init).joined(separator: ","))")
        print(String(format: "latency   time to first token %.3f µs, inter-token %@ (simulated)", timeToFirstToken / 1000,
                     interTokenLatencies.isEmpty ? "n/a (one token)" : String(format: "%.3f µs mean", meanInterToken / 1000)))
        if let f = fidelity {
            print(String(format: "fidelity  top-1 agreement with the dense model %.3f, mean KL(dense ‖ chip) %.4g nats, over %d positions", f.top1Agreement, f.meanKL, f.positions))
        }
        print(String(format: "host      weights %.2f s, functional model %.2f s, peak memory %.2f GiB", loadSeconds, functionalSeconds,
                     Double(peakMemoryBytes) / 1_073_741_824))
    }

    var json: [String: Any] {
        ["prompt_tokens": promptTokens, "generated_ids": generatedIDs.map(Int.init), "generated_text": text as Any,
         "time_to_first_token_ns": timeToFirstToken, "inter_token_latency_ns": interTokenLatencies,
         "load_seconds": loadSeconds, "functional_seconds": functionalSeconds, "peak_memory_bytes": peakMemoryBytes,
         "top1_agreement": fidelity?.top1Agreement as Any? ?? NSNull(), "mean_kl": fidelity?.meanKL as Any? ?? NSNull()]
    }
}
