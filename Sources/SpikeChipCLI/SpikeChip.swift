import ArgumentParser

/// The `spikechip` command.
@main
struct SpikeChip: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "spikechip",
        abstract: "Simulate spiking LLMs on neuromorphic chips, event by event, and price every event in picojoules.",
        discussion: """
            Energy is in picojoules (pJ) and simulated time in nanoseconds (ns) throughout.
            Chip descriptions live in topologies/*.yaml (see docs/topology-schema.md).
            Start with `spikechip run` (the built-in SpikingBrain-7B shape on topologies/spikechip-llm.yaml).
            """,
        version: version,
        subcommands: [RunCommand.self, MapCommand.self, ModelCommand.self, EncodeCommand.self, FidelityCommand.self, RecordCommand.self,
                      ReplayCommand.self, TraceCommand.self, ReportCommand.self, CompareCommand.self, SweepCommand.self, NetworkCommand.self, ImportCommand.self, BenchCommand.self])
}
