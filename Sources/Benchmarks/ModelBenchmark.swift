import SimKernel
import ModelShapes
import Models
import COpenBLAS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Speed of the dense reference model: load time and peak memory, prefill and decode
/// tokens/s, and the memory-bandwidth bound of reading every weight once per decoded token
/// (bandwidth measured in the same run as the rate OpenBLAS sgemv streams a matrix far
/// larger than the caches). Build in release mode; debug timings are meaningless.
public enum ModelBenchmark {
    /// Runs every case `repetitions` times on the GGUF model at `path` and reports medians.
    public static func run(path: String, promptTokens: Int = 64, decodeTokens: Int = 32,
                           repetitions: Int = 5) throws -> [BenchmarkRow] {
        let reps = max(1, repetitions)
        let clock = ContinuousClock()
        var model: LanguageModel?
        var loads: [Double] = []
        for _ in 0..<reps {
            model = nil  // release the previous copy so peak memory reflects one model
            loads.append(try seconds(clock) { model = try LanguageModel(gguf: GGUFFile(path: path)) })
        }
        guard let model, let tokenizer = model.tokenizer else { throw ModelError.missingMetadata("tokenizer.ggml.tokens") }
        let peak = peakResidentBytes()
        let fileSize = try GGUFFile(path: path).fileSize

        let text = String(repeating: "The quick brown fox jumps over the lazy dog while the band plays on. ", count: 1 + promptTokens / 8)
        let prompt = Array(tokenizer.encode(text).prefix(promptTokens))
        var prefills: [Double] = [], decodes: [Double] = []
        for _ in 0..<reps {
            var session = try model.makeSession(capacity: prompt.count + decodeTokens)
            var logits = ContiguousArray<Float>()
            prefills.append(try seconds(clock) { logits = try session.forward(prompt) })
            decodes.append(try seconds(clock) {
                for _ in 0..<decodeTokens {
                    let next = Int32(logits.indices.max { logits[$0] < logits[$1] }!)
                    logits = try session.forward([next])
                }
            })
        }
        let spec = model.spec
        let weightBytes = Double(spec.linearMACsPerToken * MemoryLayout<Float>.size)
        let bandwidth = readBandwidth(clock, repetitions: reps)
        let decodeRate = Double(decodeTokens) / median(decodes)
        return [
            BenchmarkRow(name: "load", value: median(loads), unit: "s",
                              note: "mmap + dequantize \(spec.name) to FP32 (file \(fileSize / 1_000_000) MB)"),
            BenchmarkRow(name: "peak memory", value: Double(peak) / 1e6, unit: "MB",
                              note: "process peak RSS after load; FP32 weights are \(Int(weightBytes / 1e6)) MB"),
            BenchmarkRow(name: "prefill", value: Double(prompt.count) / median(prefills), unit: "tokens/s",
                              note: "\(prompt.count)-token prompt, sgemm"),
            BenchmarkRow(name: "decode", value: decodeRate, unit: "tokens/s",
                              note: "\(decodeTokens) greedy tokens after the prompt, sgemv + KV cache"),
            BenchmarkRow(name: "memory read bandwidth", value: bandwidth / 1e9, unit: "GB/s",
                              note: "OpenBLAS sgemv streaming a 512 MB matrix, same run"),
            BenchmarkRow(name: "decode bound (FP32 weights)", value: bandwidth / weightBytes, unit: "tokens/s",
                              note: "bandwidth / \(Int(weightBytes / 1e6)) MB of FP32 weights read per token"),
            BenchmarkRow(name: "decode bound (file's quantized weights)", value: bandwidth / Double(fileSize),
                              unit: "tokens/s", note: "what a kernel reading the \(fileSize / 1_000_000) MB file directly could reach"),
        ]
    }

    private static func seconds(_ clock: ContinuousClock, _ body: () throws -> Void) rethrows -> Double {
        try clock.measure(body).inSeconds
    }

    /// The median (the mean of the middle two for an even count).
    public static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Bytes per second at which OpenBLAS sgemv (all threads) streams a 512 MB matrix: the
    /// rate at which decoding can read weights, median of `repetitions` runs.
    private static func readBandwidth(_ clock: ContinuousClock, repetitions: Int) -> Double {
        let rows = 128 << 10, columns = 1024
        let matrix = ContiguousArray<Float>(repeating: 1, count: rows * columns)
        let x = ContiguousArray<Float>(repeating: 1, count: columns)
        var y = ContiguousArray<Float>(repeating: 0, count: rows)
        let times = (0..<repetitions).map { _ in
            seconds(clock) {
                matrix.withUnsafeBufferPointer { m in
                    x.withUnsafeBufferPointer { v in
                        y.withUnsafeMutableBufferPointer { out in
                            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(columns), 1, m.baseAddress,
                                        Int32(columns), v.baseAddress, 1, 0, out.baseAddress, 1)
                        }
                    }
                }
            }
        }
        precondition(y[0] == Float(columns))  // keeps the products observable
        return Double(rows * columns * MemoryLayout<Float>.size) / median(times)
    }

    /// Peak resident set size of this process in bytes.
    public static func peakResidentBytes() -> Int {
        var usage = rusage()
        #if canImport(Darwin)
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)  // bytes on Darwin
        #else
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
        #endif
    }
}
