import ArgumentParser
import Foundation
import Mapping

/// `spikechip map`: how a model lands on a chip, without simulating it.
struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Map a model onto a topology and print cores per layer, utilisation, chips, hops and routing-table sizes.")

    @OptionGroup var mapping: MappingArguments

    func run() throws {
        let m = try mapping.map()
        let s = m.summary()
        let t = m.topology
        print("model      \(m.spec.name): \(m.layers) of \(m.spec.layers) layers, hidden \(m.spec.hidden), FFN \(m.spec.ffn), LM head \(m.options.includeLMHead ? "on chip" : "off chip")")
        print("topology   \(t.name): \(t.chipCount) chips of \(t.meshX)x\(t.meshY) cores, \(t.axons)x\(t.neurons) \(t.weights) crossbars, fan-out \(t.fanOut.rawValue), \(t.sync)")
        print("slices     \(t.weights.slices(forWeightBits: m.options.weightBits)) crossbar(s) per \(m.options.weightBits)-bit weight")
        print("cores      \(s.coresUsed) of \(t.coreCount) (\(s.tiles) tiles, \(s.splitters) splitters, \(s.functionUnits) function units) on \(s.chipsUsed) chip(s)")
        print(String(format: "crossbars  %.1f%% of synapses hold weights", 100 * s.crossbarUtilisation))
        print(String(format: "fan-out    %.1f tiles per spike; %.2f hops per spike packet, %.2f per delivered copy", s.meanFanOut, s.meanHopsPerSpike, s.meanHopsPerDelivery))
        print(String(format: "routing    %d entries in the busiest router, %.2f on average (multicast trees)", s.maxRoutingEntries, s.meanRoutingEntries))
        let silicon = m.siliconBudget()
        let largest = silicon.chips.map(\.squareMillimetres).max() ?? 0
        let over = silicon.chipsOverReticle.count
        print(String(format: "silicon    %@: %.0f mm² in all, %.0f mm² per chip at most (%.0f mm² SRAM, %.0f mm² logic)%@", t.technology.label as NSString,
                     silicon.squareMillimetres, largest, silicon.chips.first?.sramSquareMillimetres ?? 0, silicon.chips.first?.logicSquareMillimetres.value ?? 0,
                     (over > 0 ? String(format: "; %d chip(s) over the %.0f mm² reticle: wafer-scale or stitched silicon", over, silicon.reticleSquareMillimetres) : "") as NSString))
        let mw = silicon.staticMilliwatts
        print(String(format: "static     %.4g mW on the powered chips (range %.4g – %.4g mW), %@", mw.value, mw.low, mw.high, t.staticPower.description as NSString))
        print("cores per layer:")
        for (l, c) in s.coresPerLayer.enumerated() {
            print("  \(l < m.layers ? "layer \(l)" : "head+out"): \(c)")
        }
    }
}
