import ArgumentParser
import Mapping
import ModelShapes
import Models
import Topology

/// Options shared by `run` and `map`: which model goes on which chip, and how.
struct MappingArguments: ParsableArguments {
    @Option(help: "Chip description: a YAML path or a shipped name (truenorth, loihi, spikechip-llm). Default: spikechip-llm.")
    var topology = "spikechip-llm"

    @Option(name: .customLong("set"), help: ArgumentHelp(
        "Set a key of the chip description on top of the file: KEY=VALUE, repeatable (--set core.axons=256 --set router.hop.east_west.energy_pj=10); checked like the file's own keys.",
        valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "GGUF file whose header gives the model shape (Llama or Qwen2). Default: the built-in SpikingBrain-7B spec (28 layers, hidden 3584, FFN 18944, 28/4 heads, vocabulary 152064).")
    var model: String?

    @Option(parsing: .unconditional, help: "Map only the first N layers (default: all).")
    var layers: Int?

    @Flag(help: "Leave the LM head off the chip (default: it is mapped onto crossbars too).")
    var noLmHead = false

    @Option(help: "Core placement: locality (Hilbert order, function unit amid its tiles) or sequential (row-major). Default: locality.")
    var placement: Placement = .locality

    @Option(parsing: .unconditional, help: "Bits of a signed model weight; crossbars with fewer bits per synapse take several slices. Default: 8.")
    var weightBits = 8

    @Option(help: "How tiles hand partial sums to the reduction: graded (integer sums in graded packets) or spikes[:BITS] (each sum re-encoded as BITS-bit bitwise spikes, default 8, integrated by reduction neurons). Default: graded.")
    var partialSums = "graded"

    @Option(parsing: .unconditional, help: "Technology node of the answer in nm (45, 32, 28, 20, 16, 14, 10, 7: topologies/technology.yaml): every energy of the topology and of the dense baselines is scaled there (Stillmaker & Baas 2017), area and leakage are the node's. Default: the topology's own node.")
    var node: Int?

    /// The topology with `--set` applied, moved to `--node`.
    func loadTopology() throws -> Topology {
        var topo = try Topology.load(path: try ResourceLocator.topology(topology), overrides: try overrides.map(TopologyOverride.init(parsing:)))
        if let node {
            do { topo = topo.scaled(to: .nominal(try topo.library.node(node), source: "--node \(node), nominal supply")) } catch let e as TechnologyError {
                throw ValidationErrorMessage("--node: \(e)")
            }
        }
        return topo
    }

    /// Loads the topology (`loadTopology`), reads the model shape (`--model`, else `defaultSpec`) and maps it.
    func map(defaultSpec: ModelSpec = .spikingBrain7B) throws -> ChipMapping {
        let topo = try loadTopology()
        let spec: ModelSpec
        if let model {
            spec = try ModelSpec(gguf: try GGUFFile(path: model))
        } else {
            spec = defaultSpec
        }
        return try ChipMapping(spec: spec, topology: topo,
                               options: MappingOptions(placement: placement, weightBits: weightBits, includeLMHead: !noLmHead, layers: layers,
                                                      partialSums: try PartialSumCoding(parsing: partialSums)))
    }
}

extension Placement: ExpressibleByArgument {}
