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
/// Modules whose inner loops run over real model weights in the tests: optimized even in debug
/// builds, so `swift test` runs SmolLM2 through the chip's arithmetic in seconds, not minutes.
let optimizedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

/// The SIMD loops (spike encoders, neuron populations, crossbar integration) are compiled for
/// the building machine's vector unit (`-target-cpu native`, as `-march=native` would) when it
/// has at least the x86-64-v3 set (AVX2, FMA, BMI2: every x86 server since 2013-15): without it
/// Swift targets SSE2, which has no 8-lane vectors, no blends and no 32-bit min/max, and the
/// encoders run about 4x slower than with AVX-512 (docs/performance.md). When the machine also has AVX-512
/// (F, BW, DQ, VL, CD: x86-64-v4), `SPIKECHIP_AVX512` selects the few primitives written with
/// clang's intrinsics (`Sources/Neurons/SIMDLanes.swift`): 64-byte spike rows, conversions,
/// compress; with VBMI as well (`SPIKECHIP_AVX512_VBMI`), spike rows of small counts are one
/// byte-table lookup (`vpermb`) per step. Results do not change: Swift never fuses a multiply
/// and an add on its own, no loop relies on the compiler reordering a sum, and every primitive
/// has a portable twin the tests check against the same scalar rules. Set SPIKECHIP_PORTABLE=1
/// to build a binary for any x86-64 machine, or SPIKECHIP_CPU=<name> (e.g. haswell) for a fleet
/// of that CPU or newer (the portable primitives then, as AVX-512 is only assumed for the
/// building machine itself).
let hostVectorUnit: [SwiftSetting] = {
    #if os(Linux) && arch(x86_64)
    let environment = ProcessInfo.processInfo.environment
    guard environment["SPIKECHIP_PORTABLE"] == nil,
          let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
    let flags = Set(line.split(separator: " ").map(String.init))
    let haswell: Set = ["avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "abm", "popcnt"]
    if let cpu = environment["SPIKECHIP_CPU"] { return [.unsafeFlags(["-target-cpu", cpu])] }
    guard haswell.isSubset(of: flags) else { return [] }
    let avx512: Set = ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"]
    guard avx512.isSubset(of: flags) else { return [.unsafeFlags(["-target-cpu", "native"])] }
    return [.unsafeFlags(["-target-cpu", "native"]), .define("SPIKECHIP_AVX512")]
        + (flags.contains("avx512vbmi") ? [.define("SPIKECHIP_AVX512_VBMI")] : [])
    #else
    return []
    #endif
}()

/// Modules with both properties above.
let simdLoops = optimizedInDebug + hostVectorUnit

let package = Package(
    name: "SpikeChip",
    platforms: [.macOS(.v13)],
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
        .target(name: "Models", dependencies: ["COpenBLAS"]),
        .target(name: "Neurons", dependencies: ["SimKernel"], swiftSettings: simdLoops),
        .target(name: "Mapping", dependencies: ["Topology", "Models"], swiftSettings: simdLoops),
        .target(name: "Engine", dependencies: ["SimKernel", "Energy", "Topology", "Mapping", "Models"]),
        .target(
            name: "Store", dependencies: ["Energy", "SimKernel", .product(name: "GRDB", package: "GRDB.swift")],
            // The sink is a class that updates its aggregates for every record of the stream; dynamic
            // exclusivity checks on those stored properties cost more than the aggregation itself.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
        .target(name: "ClosedLoop", dependencies: ["Engine", "Mapping", "Models", "Neurons"], swiftSettings: simdLoops),
        .target(name: "Traces", dependencies: ["Energy", "Engine", "Mapping", "Models", "Neurons", "SimKernel"]),
        .target(name: "Baselines", dependencies: ["Energy", "Engine", "Mapping", "Models", "Topology"]),
        .executableTarget(
            name: "SpikeChipCLI",
            dependencies: [
                "SimKernel", "Energy", "Topology", "Models", "Neurons", "Mapping", "Engine", "ClosedLoop", "Traces", "Store", "Baselines",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Mutation fuzzing of every reader of user files (scripts/fuzz.sh); the tests replay its findings.
        .target(name: "FuzzTargets", dependencies: ["Baselines", "Models", "SimKernel", "Store", "Topology", "Traces"]),
        .executableTarget(name: "SpikeChipFuzz", dependencies: ["FuzzTargets"]),
        .testTarget(name: "SimKernelTests", dependencies: ["SimKernel"]),
        .testTarget(name: "EnergyTests", dependencies: ["Energy"]),
        .testTarget(name: "TopologyTests", dependencies: ["Topology"]),
        .testTarget(name: "MappingTests", dependencies: ["Mapping", "Topology", "Models"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Mapping", "Topology", "Energy", "SimKernel", "Models"]),
        .testTarget(name: "NeuronsTests", dependencies: ["Neurons", "SimKernel"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Energy", "SimKernel", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "ClosedLoopTests", dependencies: ["ClosedLoop", "Engine", "Mapping", "Models", "Neurons", "Topology", "Energy", "Traces"]),
        .testTarget(name: "TracesTests", dependencies: ["Traces", "Engine", "Mapping", "Models", "Neurons", "SimKernel", "Topology", "Energy"]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"], exclude: ["inputs"]),
        .testTarget(name: "BaselinesTests", dependencies: ["Baselines", "Energy", "Engine", "Mapping", "Models", "Topology"]),
    ],
    swiftLanguageModes: [.v5]
)
