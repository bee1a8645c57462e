import Networks
import Neurons
import SimKernel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Speed of encoding an 18944-neuron vector (Qwen2.5-7B's FFN width) at T = 4, and of stepping
/// as many neurons of each model the chip's cores run, against a plain copy and a plain sum of the same bytes measured in the same run
/// (the memory-speed reference). Build in release mode; timings in debug builds are meaningless.
public enum NeuronBenchmark {
    public static let populationSize = 18944
    public static let steps = 4

    /// Runs every case `repetitions` times and reports medians.
    public static func run(repetitions: Int = 9) -> [BenchmarkRow] {
        let n = populationSize, t = steps
        let reps = max(1, repetitions)
        var rows: [BenchmarkRow] = []
        var sink = 0

        var generator = try! SyntheticActivations(channels: n, seed: 42)  // parameters are valid constants
        let x = generator.next()
        var copy = [Float](repeating: 0, count: n)
        let floatBytes = Double(n * MemoryLayout<Float>.size)

        // Memory-speed references on the same 74 KiB of activations.
        let copyNs = median(reps) {
            x.withUnsafeBytes { src in copy.withUnsafeMutableBytes { $0.copyMemory(from: src) } }
            sink &+= Int(copy[n / 2].bitPattern & 1)
        }
        rows.append(BenchmarkRow(name: "memcpy reference", value: 2 * floatBytes / copyNs, unit: "GB/s",
                                       note: "copy \(n) floats (read + write counted); \(format(copyNs)) ns"))
        // The same copy on 64 MiB, far beyond the caches: the DRAM stream speed of this machine.
        let big = 16 << 20
        var bigSource = [Float](repeating: 1, count: big), bigCopy = [Float](repeating: 0, count: big)
        bigSource[big / 2] = 2
        let bigNs = median(max(3, reps / 2)) {
            bigSource.withUnsafeBytes { src in bigCopy.withUnsafeMutableBytes { $0.copyMemory(from: src) } }
            sink &+= Int(bigCopy[big / 2].bitPattern & 1)
        }
        let dramGBs = 2 * Double(big * 4) / bigNs
        rows.append(BenchmarkRow(name: "memcpy reference 64 MiB", value: dramGBs, unit: "GB/s",
                                       note: "DRAM-resident copy (read + write counted); \(format(bigNs / 1e6)) ms"))
        // Throughput of `bytes` in `ns` against the DRAM copy of this run: "memory speed" is ≥ 1×.
        func speed(_ bytes: Double, _ ns: Double) -> String { "\(format(bytes / ns)) GB/s = \(format(bytes / ns / dramGBs))× the DRAM copy" }
        let sumNs = median(reps) {
            var s: Float = 0
            x.withUnsafeBufferPointer { for v in $0 { s += v } }
            sink &+= Int(s.bitPattern & 1)
        }
        rows.append(BenchmarkRow(name: "sum reference", value: floatBytes / sumNs, unit: "GB/s",
                                       note: "sum \(n) floats; \(format(sumNs)) ns"))

        // Encoders: the bytes an encoder cannot avoid are the activations read once and the
        // T spike bytes per neuron written once; GB/s below counts only those.
        var train = SpikeTrain(neuronCount: n, steps: t)
        let encodeBytes = floatBytes + Double(n * t)
        func encodeRow<E: SpikeEncoder>(_ name: String, _ encoder: E) {
            var e = encoder
            let ns = median(reps) {
                x.withUnsafeBufferPointer { try! e.encode($0, into: &train) }  // input is finite by construction
                sink &+= Int(train.spikes[n / 3])
            }
            rows.append(BenchmarkRow(name: "encode \(name)", value: ns / Double(n * t), unit: "ns/neuron/step",
                                           note: "\(speed(encodeBytes, ns)) (input read + spikes written); \(format(ns)) ns per vector"))
        }
        encodeRow("spikingbrain ternary T=4", try! SpikingBrainEncoder(coding: .ternary, steps: t))
        encodeRow("spikingbrain bitwise T=4", try! SpikingBrainEncoder(coding: .bitwise(twosComplement: false), steps: t))
        encodeRow("sdllm 4-bit clip=4", try! SDLLMEncoder(bits: 4, clip: t))
        encodeRow("spikellm GIF T=2/4", try! SpikeLLMEncoder())

        var encoder = try! SpikingBrainEncoder(coding: .ternary, steps: t)
        x.withUnsafeBufferPointer { try! encoder.encode($0, into: &train) }
        let decodeNs = median(reps) {
            copy.withUnsafeMutableBufferPointer { try! train.decode(into: $0) }
            sink &+= Int(copy[n / 2].bitPattern & 1)
        }
        rows.append(BenchmarkRow(name: "decode (from counts)", value: decodeNs / Double(n), unit: "ns/neuron",
                                       note: "\(format(2 * floatBytes / decodeNs)) GB/s; \(format(decodeNs)) ns per vector"))
        let statsNs = median(reps) {
            let s = x.withUnsafeBufferPointer { try! SpikeStatistics(train: train, reference: $0) }
            sink &+= s.spikes
        }
        rows.append(BenchmarkRow(name: "statistics T=4", value: statsNs / Double(n * t), unit: "ns/neuron/step",
                                       note: "firing rate, silence, error; \(format(statsNs)) ns per vector"))

        // The chip's neuron models (`NeuronDynamics`, what `NetworkChip`'s cores step): per neuron a
        // step reads its input current, reads and writes its membrane (Double) and may append a spike.
        let currents = ContiguousArray(x.lazy.map { Double($0) })
        // TrueNorth adds whole numbers: sums of 0–3 weights of ±1…3, as a core's synapses would give.
        let integerCurrents = ContiguousArray((0..<n).map { Double(Int(($0 &* 2_654_435_761) >> 29 & 7) - 3) })
        func stepRow(_ name: String, _ type: NetworkGraph.NodeType, _ parameters: [String: Float], _ input: ContiguousArray<Double>) {
            let node = try! NetworkGraph.Node(population: name, type: type, size: n,  // valid constants
                                              parameters: parameters.mapValues { ContiguousArray(repeating: $0, count: n) })
            var population = PopulationState(try! NeuronDynamics(node, dtSeconds: 1e-4))
            let ns = median(reps) {
                let (spikes, active) = input.withUnsafeBufferPointer { population.step($0) }
                sink &+= active &+ spikes
            }
            let bytes = Double(n * (8 + 2 * 8))
            rows.append(BenchmarkRow(name: "step \(name)", value: ns / Double(n), unit: "ns/neuron/step",
                                     note: "\(speed(bytes, ns)) (input and membrane); \(format(ns)) ns per step"))
        }
        stepRow("LIF", .lif, ["tau": 4e-4, "r": 4, "v_leak": 0, "v_threshold": 1, "v_reset": 0], currents)
        stepRow("CubaLIF", .cubaLIF, ["tau_syn": 2e-4, "tau_mem": 4e-4, "r": 4, "v_leak": 0, "v_threshold": 1, "v_reset": 0, "w_in": 1], currents)
        stepRow("TrueNorth", .trueNorth, ["alpha": 20, "beta": 20, "leak": -1], integerCurrents)
        stepRow("TrueNorth stochastic leak and threshold", .trueNorth,
                ["alpha": 3, "beta": 3, "leak": -40, "stochastic_leak": 1, "threshold_mask_bits": 2, "seed": 7], integerCurrents)

        var source = try! SyntheticSpikeSource(seed: 1)
        let fillNs = median(reps) {
            source.fill(&train, neuronCount: n, steps: t)
            sink &+= Int(train.spikes[n / 5])
        }
        rows.append(BenchmarkRow(name: "synthetic spikes 69% silent", value: fillNs / Double(n * t), unit: "ns/neuron/step",
                                       note: "seeded xoshiro256**; \(format(fillNs)) ns per T=4 train"))
        if sink == Int.min { rows.append(BenchmarkRow(name: "sink", value: 0, unit: "", note: "")) }
        return rows
    }

    /// Median time in ns of one call of `body`, each sample averaging enough calls to last ≥ 2 ms.
    ///
    /// Time is the thread's CPU time, not wall time: the build machine is shared by several
    /// agents on two cores, and CPU time does not count the intervals the thread was descheduled.
    public static func median(_ repetitions: Int, _ body: () -> Void) -> Double {
        body()  // warm caches and buffers
        var calls = 1
        while true {
            let d = cpuTime { for _ in 0..<calls { body() } }
            if d >= 2_000_000 || calls >= 1 << 20 { break }
            calls *= 2
        }
        var samples: [Double] = []
        for _ in 0..<max(1, repetitions) {
            samples.append(cpuTime { for _ in 0..<calls { body() } } / Double(calls))
        }
        samples.sort()
        return samples[samples.count / 2]
    }

    /// CPU time of the calling thread spent in `body`, in ns.
    static func cpuTime(_ body: () -> Void) -> Double {
        var a = timespec(), b = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a)
        body()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b)
        return Double(b.tv_sec - a.tv_sec) * 1e9 + Double(b.tv_nsec - a.tv_nsec)
    }

    static func format(_ v: Double) -> String {
        let scaled = (v * 100).rounded() / 100
        return "\(scaled)"
    }
}
