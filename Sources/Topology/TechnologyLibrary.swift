import Foundation

/// The technology nodes SpikeChip can price a chip at, read from `topologies/technology.yaml`:
/// energy scaling between nodes (Stillmaker & Baas 2017), SRAM bitcell and logic area, SRAM
/// and logic leakage, and the lithography reticle. Both sides of every comparison take their
/// node-dependent figures from here, so a study holds the node equal by construction.
public struct TechnologyLibrary: Sendable, Hashable {
    public var nodes: [Int: TechnologyNode]
    /// Largest die one exposure field allows, in mm².
    public var reticleSquareMillimetres: Double
    /// Fraction of an SRAM macro's area that is bitcells.
    public var sramArrayEfficiency: Double
    /// Logic areas at 45 nm, in µm².
    public var int8MACSquareMicrons45: Double
    public var fp16MACSquareMicrons45: Double
    public var int32AddSquareMicrons45: Double
    public var routerSquareMicrons45: Figure

    /// The node of `nanometres`, or an error listing the nodes the library has.
    public func node(_ nanometres: Int) throws -> TechnologyNode {
        guard let n = nodes[nanometres] else {
            throw TechnologyError.unknownNode(nanometres, known: nodes.keys.sorted())
        }
        return n
    }

    /// Reads and validates a library; `file` names it in errors (with lines).
    public static func parse(yaml text: String, file: String = "technology.yaml") throws -> TechnologyLibrary {
        var top = try YAMLCursor.document(text, file: file, empty: "a technology library needs reticle_mm2, sram_array_efficiency, logic_45nm_um2 and nodes")
        _ = try top.string("name", what: "the library's name")
        let reticle = try top.double("reticle_mm2", what: "the reticle limit in mm²", in: 1...1e6)
        let efficiency = try top.double("sram_array_efficiency", what: "the fraction of an SRAM macro that is bitcells", in: 0.01...1)
        var logic = try top.cursor("logic_45nm_um2", what: "logic areas at 45 nm in µm²: int8_mac, fp16_mac, int32_add, router")
        let int8 = try logic.double("int8_mac", what: "an INT8 MAC's area in µm²", in: 1e-3...1e9)
        let fp16 = try logic.double("fp16_mac", what: "an FP16 MAC's area in µm²", in: 1e-3...1e9)
        let add = try logic.double("int32_add", what: "a 32-bit adder's area in µm²", in: 1e-3...1e9)
        let router = try logic.figure("router", what: "a mesh router's area in µm²", in: 1e-3...1e12)
        try logic.finish(allowed: ["int8_mac", "fp16_mac", "int32_add", "router"])
        var nodesCursor = try top.cursor("nodes", what: "one entry per node in nm, e.g. 45: {...}")
        var nodes: [Int: TechnologyNode] = [:]
        for key in nodesCursor.keys {
            guard let nm = Int(key), (1...1000).contains(nm) else {
                throw nodesCursor.error(key, "a node is named by its size in nm, a whole number from 1 to 1000")
            }
            var c = try nodesCursor.cursor(key, what: "the figures of \(nm) nm")
            let voltage = try c.double("nominal_voltage_v", what: "the nominal supply in V", in: 0.1...5)
            let fitNode = try c.node("energy_fit", what: "[e, f, g] of Stillmaker & Baas's E(V) = e·V² + f·V + g")
            guard let seq = fitNode.sequence, seq.count == 3, case let fit = seq.compactMap(\.float), fit.count == 3,
                  fit.allSatisfy(\.isFinite) else {
                throw c.error("energy_fit", "expected three numbers [e, f, g]")
            }
            let node = TechnologyNode(
                nanometres: nm, nominalVoltage: voltage, energyPolynomial: fit,
                sramBitcellSquareMicrons: try c.double("sram_bitcell_um2", what: "an SRAM bitcell's area in µm²", in: 1e-6...100),
                sramLeakagePicowattsPerBit: try c.figure("sram_leakage_pw_per_bit", what: "SRAM leakage per bit in pW", in: 0...1e9),
                logicLeakageMilliwattsPerSquareMillimetre: try c.figure("logic_leakage_mw_per_mm2", what: "logic leakage in mW per mm²", in: 0...1e9),
                logicAreaScale: try c.double("logic_area_scale", what: "logic area relative to 45 nm", in: 1e-6...1e3))
            guard node.relativeEnergy(atVoltage: voltage) > 0 else {
                throw c.error("energy_fit", "the fit gives no positive energy at the nominal \(voltage) V")
            }
            try c.finish(allowed: ["nominal_voltage_v", "energy_fit", "sram_bitcell_um2", "logic_area_scale", "sram_leakage_pw_per_bit", "logic_leakage_mw_per_mm2"])
            nodes[nm] = node
        }
        guard !nodes.isEmpty else { throw top.error("nodes", "the library holds no node") }
        try top.finish(allowed: ["name", "reticle_mm2", "sram_array_efficiency", "logic_45nm_um2", "nodes"])
        return TechnologyLibrary(nodes: nodes, reticleSquareMillimetres: reticle, sramArrayEfficiency: efficiency,
                                 int8MACSquareMicrons45: int8, fp16MACSquareMicrons45: fp16, int32AddSquareMicrons45: add,
                                 routerSquareMicrons45: router)
    }

    public static func load(path: String) throws -> TechnologyLibrary {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw TopologyError(file: path, line: nil, key: "", message: "cannot read the technology library (\(error.localizedDescription))")
        }
        return try parse(yaml: text, file: path)
    }

    /// `topologies/technology.yaml` of the repository this module was built from.
    public static let shippedPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("topologies/technology.yaml").path

    private static let shippedResult: Result<TechnologyLibrary, TopologyError> = {
        do { return .success(try load(path: shippedPath)) } catch let e as TopologyError { return .failure(e) } catch {
            return .failure(TopologyError(file: shippedPath, line: nil, key: "", message: "\(error)"))
        }
    }()

    /// The shipped library (read once).
    public static func shipped() throws -> TechnologyLibrary { try shippedResult.get() }
}

/// A node the library does not have.
public enum TechnologyError: Error, CustomStringConvertible, Equatable {
    case unknownNode(Int, known: [Int])

    public var description: String {
        switch self {
        case let .unknownNode(nm, known):
            "no technology node \(nm) nm in topologies/technology.yaml; known nodes: \(known.map { "\($0)" }.joined(separator: ", ")) nm (add one there with its cited figures)"
        }
    }
}
