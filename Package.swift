// swift-tools-version: 6.0
import Foundation
import PackageDescription

/// SpikeChip: a discrete-event simulator of neuromorphic chips running spiking LLMs.
///
/// Modules follow the architecture: `SimKernel` (event queue, logical processes,
/// partitions) knows nothing of neurons; `Energy` holds the energy stream every event
/// produces; `Topology` reads chip descriptions; `Models` describes and loads LLMs;
/// `Neurons` holds neuron models and spike encoders; `Mapping` compiles a model onto a
/// chip; `Engine` is the chip itself; `ClosedLoop` runs real tokens through it; `Traces` records and replays spike traces; `Store` writes runs to SQLite; `Baselines`
/// prices the same work on dense FP16/INT8 hardware; `SpikeChipCLI` is the `spikechip`
/// command.
/// Tuning for the building machine's vector unit is an explicit opt-in, so that the default build
/// runs on any x86-64 or arm64 machine and SpikeChip can be used as a package dependency (SwiftPM
/// refuses `unsafeFlags` in dependencies). `SPIKECHIP_NATIVE=1` compiles the SIMD loops (spike
/// encoders, neuron populations, crossbar integration) with `-target-cpu native`, as `-march=native`
/// would; when the machine has AVX-512 (F, BW, DQ, VL, CD: x86-64-v4) it also selects the few
/// primitives written with clang's intrinsics (`SPIKECHIP_AVX512`, `Sources/Neurons/SIMDLanes.swift`):
/// 64-byte spike rows, conversions, compress; with VBMI (`SPIKECHIP_AVX512_VBMI`) spike rows of small
/// counts are one byte-table lookup per step. `SPIKECHIP_CPU=<name>` (e.g. haswell) targets a fleet
/// of that CPU or newer with the portable primitives. Results do not change between builds: Swift
/// never fuses a multiply and an add on its own, no loop relies on the compiler reordering a sum,
/// and every primitive has a portable twin the tests check against the same scalar rules;
/// `scripts/test.sh` runs the tests on both the portable and the native build
/// (docs/performance.md has the speed of each).
let simdLoops: [SwiftSetting] = {
    #if os(Linux) && arch(x86_64)
    let environment = ProcessInfo.processInfo.environment
    if let cpu = environment["SPIKECHIP_CPU"] { return [.unsafeFlags(["-target-cpu", cpu])] }
    guard environment["SPIKECHIP_NATIVE"] == "1",
          let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
    let flags = Set(line.split(separator: " ").map(String.init))
    let avx512: Set = ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"]
    guard avx512.isSubset(of: flags) else { return [.unsafeFlags(["-target-cpu", "native"])] }
    return [.unsafeFlags(["-target-cpu", "native"]), .define("SPIKECHIP_AVX512")]
        + (flags.contains("avx512vbmi") ? [.define("SPIKECHIP_AVX512_VBMI")] : [])
    #else
    return []
    #endif
}()

let package = Package(
    name: "SpikeChip",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "spikechip", targets: ["SpikeChipCLI"]),
        .executable(name: "spikechip-fuzz", targets: ["SpikeChipFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .target(name: "SimKernel"),
        .target(name: "Energy", dependencies: ["SimKernel"]),
        .target(name: "Topology", dependencies: ["Energy", "SimKernel", .product(name: "Yams", package: "Yams")]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // Open MPI's C API through a few functions (its handles are macros Swift cannot import).
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // A partitioned run spread over the ranks of an `mpirun` job (SimKernel's `RankGroup`, on MPI).
        .target(name: "Ranks", dependencies: ["SimKernel", "CMPI"]),
        // A model's shape and element-wise work, without weights: all the mapper, engine and baselines need.
        .target(name: "ModelShapes"),
        .target(name: "Models", dependencies: ["ModelShapes", "SimKernel", "COpenBLAS"]),
        .target(name: "Neurons", dependencies: ["SimKernel"], swiftSettings: simdLoops),
        .target(name: "Mapping", dependencies: ["Topology", "ModelShapes"]),
        .target(name: "Engine", dependencies: ["SimKernel", "Energy", "Topology", "Mapping", "ModelShapes"]),
        .target(
            name: "Store", dependencies: ["Energy", "SimKernel", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "ClosedLoop", dependencies: ["Engine", "Mapping", "Models", "ModelShapes", "Neurons", "SimKernel"], swiftSettings: simdLoops),
        .target(name: "Traces", dependencies: ["Energy", "Engine", "Mapping", "ModelShapes", "Neurons", "SimKernel"]),
        .target(name: "Baselines", dependencies: ["Energy", "Engine", "Mapping", "ModelShapes", "Topology"]),
        // One run from a mapped model and a spike source to stored rows and the energy study: what the CLI
        // (and sweeps, and tests) call.
        .target(name: "Pipeline", dependencies: ["Baselines", "Energy", "Engine", "Mapping", "ModelShapes", "Networks", "SimKernel", "Store", "Topology"]),
        // Generic spiking networks (NIR graphs converted by tools/nir) mapped onto the chip's cores and run by the same kernel.
        .target(name: "Networks", dependencies: ["CZlib", "Energy", "Engine", "Mapping", "Models", "SimKernel", "Topology", "Traces"]),
        // `spikechip sweep`: design-space exploration over topology keys and run options, one run per point.
        .target(name: "Sweeps", dependencies: ["SimKernel", "Store", "Topology", .product(name: "Yams", package: "Yams")]),
        // `spikechip report`: a run's database rendered as one self-contained HTML page with SVG charts.
        .target(name: "Reports", dependencies: ["Energy", "Store", "Sweeps"]),
        // `spikechip bench`: every benchmark, with the kernel's reference workloads (PHOLD, mesh routing).
        .target(
            name: "Benchmarks",
            dependencies: ["SimKernel", "Energy", "Topology", "Models", "ModelShapes", "Neurons", "Mapping", "Engine", "ClosedLoop", "Traces", "Store", "Networks", "COpenBLAS"],
            swiftSettings: simdLoops),
        .executableTarget(
            name: "SpikeChipCLI",
            dependencies: [
                "SimKernel", "Energy", "Topology", "Models", "ModelShapes", "Neurons", "Mapping", "Engine", "ClosedLoop", "Traces", "Store", "Baselines", "Benchmarks", "Reports", "Pipeline", "Sweeps", "Networks", "Ranks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Mutation fuzzing of every reader of user files (scripts/fuzz.sh); the tests replay its findings.
        .target(name: "FuzzTargets", dependencies: ["Baselines", "Models", "ModelShapes", "Reports", "SimKernel", "Store", "Topology", "Traces"]),
        .executableTarget(name: "SpikeChipFuzz", dependencies: ["FuzzTargets"]),
        .testTarget(name: "SimKernelTests", dependencies: ["SimKernel", "Benchmarks"]),
        .testTarget(name: "BenchmarksTests", dependencies: ["Benchmarks", "SimKernel"]),
        .testTarget(name: "EnergyTests", dependencies: ["Energy"]),
        .testTarget(name: "TopologyTests", dependencies: ["Topology"]),
        .testTarget(name: "MappingTests", dependencies: ["Mapping", "Topology", "ModelShapes"]),
        .testTarget(name: "EngineTests", dependencies: ["TestFixtures", "Engine", "Mapping", "Topology", "Energy", "SimKernel", "ModelShapes"]),
        .testTarget(name: "NeuronsTests", dependencies: ["Neurons", "SimKernel"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "ModelShapes"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Reports", "Energy", "SimKernel", "Benchmarks", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "ClosedLoopTests", dependencies: ["ClosedLoop", "Engine", "Mapping", "Models", "ModelShapes", "Neurons", "Topology", "Energy", "Traces"]),
        .testTarget(name: "TracesTests", dependencies: ["Traces", "Engine", "Mapping", "Models", "ModelShapes", "Neurons", "SimKernel", "Topology", "Energy"]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"], exclude: ["inputs"]),
        // Boards and models shared by the tests that run the chip.
        .target(name: "TestFixtures", dependencies: ["ModelShapes", "Topology"], path: "Tests/TestFixtures"),
        .testTarget(name: "PipelineTests", dependencies: ["TestFixtures", "Pipeline", "Baselines", "Engine", "Mapping", "ModelShapes", "Store", "Topology", .product(name: "GRDB", package: "GRDB.swift")]),
        // The command as users run it (the built executable in a child process), with injected faults.
        .testTarget(name: "SpikeChipCLITests", dependencies: ["SpikeChipCLI"]),
        .testTarget(name: "SweepsTests", dependencies: ["Sweeps", "Store", "Reports", "Topology"]),
        .testTarget(name: "NetworksTests", dependencies: ["TestFixtures", "Networks", "Engine", "Energy", "Topology", "SimKernel", "Traces"], exclude: ["Fixtures"]),
        .testTarget(name: "BaselinesTests", dependencies: ["Baselines", "Energy", "Engine", "Mapping", "Models", "ModelShapes", "Topology"]),
    ],
    swiftLanguageModes: [.v6]
)
