import Foundation
import Topology

/// What is specific to the dense FP16 and INT8 accelerators, read from YAML
/// (`topologies/baselines.yaml`): arithmetic per precision, throughput, and the DRAM of the
/// scenarios that stream weights. What both sides share (on-chip SRAM, function units, KV
/// cache, leakage, node) comes from the topology, so that the same-memory scenario holds it equal.
public struct BaselineTable: Sendable, Equatable {
    /// Arithmetic and data width of one precision.
    public struct Precision: Sendable, Equatable {
        public var bytesPerValue: Double
        public var multiplyPJ: Double
        public var addPJ: Double
        /// One multiply-accumulate, with its range.
        public var mac: Figure
        public var macPJ: Double { mac.value }

        public init(bytesPerValue: Double, multiplyPJ: Double, addPJ: Double, mac: Figure) {
            self.bytesPerValue = bytesPerValue; self.multiplyPJ = multiplyPJ; self.addPJ = addPJ; self.mac = mac
        }
    }

    public var name: String
    /// Node and supply of the arithmetic and buffer figures (DRAM is its own technology and is not scaled).
    public var technology: TechnologyPoint
    public var fp16: Precision
    public var int8: Precision
    /// One synaptic accumulate on the spiking side (level-1 arithmetic).
    public var accumulate: Figure
    /// MAC units of the dense array.
    public var macUnits: Int
    /// MACs the dense array completes per ns.
    public var macsPerNanosecond: Double
    /// DRAM bandwidth, bytes per ns.
    public var dramBytesPerNanosecond: Double
    /// Reading one byte of DRAM, pJ.
    public var dramReadPerByte: Figure
    /// DRAM background power per GiB held, mW.
    public var dramBackgroundPerGiB: Figure
    /// One byte through the on-chip buffer a streamed weight passes, pJ.
    public var bufferPerByte: Figure

    public var accumulatePJ: Double { accumulate.value }

    /// A figure of the file by dotted key (`precisions.fp16.mac_pj`), with the comment the file cites for it.
    public struct Citation: Sendable, Equatable {
        public var key: String
        public var figure: Figure
        public var unit: String
        public var text: String
    }

    /// Every figure read from the file, for the assumptions a run stores (empty for tables built in code).
    public var citations: [Citation] = []

    public init(name: String, technology: TechnologyPoint, fp16: Precision, int8: Precision, accumulate: Figure, macUnits: Int, macsPerNanosecond: Double,
                dramBytesPerNanosecond: Double, dramReadPerByte: Figure, dramBackgroundPerGiB: Figure, bufferPerByte: Figure) {
        self.name = name; self.technology = technology; self.fp16 = fp16; self.int8 = int8; self.accumulate = accumulate
        self.macUnits = macUnits; self.macsPerNanosecond = macsPerNanosecond; self.dramBytesPerNanosecond = dramBytesPerNanosecond
        self.dramReadPerByte = dramReadPerByte; self.dramBackgroundPerGiB = dramBackgroundPerGiB; self.bufferPerByte = bufferPerByte
    }

    /// Parses and validates a table; `source` names the text in errors, which give the line.
    public init(yaml: String, source: String = "baselines.yaml", library: TechnologyLibrary? = nil) throws {
        var cited: [(String, Figure, String, String)] = []
        func cite(_ c: YAMLCursor, _ key: String, _ figure: Figure, _ unit: String) {
            let line = c.line(of: key) ?? 0
            cited.append((YAMLCursor.join(c.path, key), figure, unit, YAMLCursor.comment(at: line, in: yaml) ?? "\(source), line \(line) (no comment)"))
        }
        var top = try YAMLCursor.document(yaml, file: source, empty: "a baseline table needs name, technology, precisions, spiking, accelerator and dram")
        name = try top.string("name", what: "the table's name")
        var tech = try top.cursor("technology", what: "the node of the figures: {node_nm, voltage_v, source}")
        let nm = try tech.int("node_nm", what: "the technology node in nm", in: 1...1000)
        let node: TechnologyNode
        do { node = try (library ?? TechnologyLibrary.shipped()).node(nm) } catch let e as TechnologyError { throw tech.error("node_nm", e.description) }
        technology = TechnologyPoint(node: node, voltage: try tech.double("voltage_v", what: "the supply voltage in V", in: 0.1...5),
                                     source: try tech.string("source", what: "where the node and voltage come from"))
        try tech.finish(allowed: ["node_nm", "voltage_v", "source"])
        var precisions = try top.cursor("precisions", what: "fp16 and int8")
        func precision(_ key: String) throws -> Precision {
            var c = try precisions.cursor(key, what: "bytes_per_value, multiply_pj, add_pj and mac_pj of \(key)")
            let p = Precision(bytesPerValue: try c.double("bytes_per_value", what: "bytes per weight or activation", in: 0.125...16),
                              multiplyPJ: try c.double("multiply_pj", what: "one multiply in pJ", in: 0...1e6),
                              addPJ: try c.double("add_pj", what: "one add in pJ", in: 0...1e6),
                              mac: try c.figure("mac_pj", what: "one multiply-accumulate in pJ", in: 0...1e6))
            try c.finish(allowed: ["bytes_per_value", "multiply_pj", "add_pj", "mac_pj"])
            cite(c, "mac_pj", p.mac, "pJ per MAC")
            return p
        }
        fp16 = try precision("fp16"); int8 = try precision("int8")
        try precisions.finish(allowed: ["fp16", "int8"])
        var spiking = try top.cursor("spiking", what: "accumulate_pj: the spiking side's level-1 accumulate")
        accumulate = try spiking.figure("accumulate_pj", what: "one synaptic accumulate in pJ", in: 0...1e6)
        cite(spiking, "accumulate_pj", accumulate, "pJ per accumulate (level 1)")
        try spiking.finish(allowed: ["accumulate_pj"])
        var acc = try top.cursor("accelerator", what: "mac_units, macs_per_ns and dram_bytes_per_ns")
        macUnits = try acc.int("mac_units", what: "MAC units of the array", in: 1...Int(1) << 40)
        macsPerNanosecond = try acc.double("macs_per_ns", what: "MACs completed per ns", in: 1e-6...1e12)
        dramBytesPerNanosecond = try acc.double("dram_bytes_per_ns", what: "DRAM bandwidth in bytes per ns", in: 1e-6...1e9)
        try acc.finish(allowed: ["mac_units", "macs_per_ns", "dram_bytes_per_ns"])
        cite(acc, "macs_per_ns", Figure(macsPerNanosecond), "MACs per ns")
        cite(acc, "dram_bytes_per_ns", Figure(dramBytesPerNanosecond), "bytes per ns")
        var dram = try top.cursor("dram", what: "read_pj_per_byte, background_mw_per_gib, buffer_pj_per_byte")
        dramReadPerByte = try dram.figure("read_pj_per_byte", what: "reading one DRAM byte in pJ", in: 0...1e6)
        dramBackgroundPerGiB = try dram.figure("background_mw_per_gib", what: "DRAM background power per GiB in mW", in: 0...1e6)
        bufferPerByte = try dram.figure("buffer_pj_per_byte", what: "one byte through the on-chip weight buffer in pJ", in: 0...1e6)
        try dram.finish(allowed: ["read_pj_per_byte", "background_mw_per_gib", "buffer_pj_per_byte"])
        cite(dram, "read_pj_per_byte", dramReadPerByte, "pJ per byte")
        cite(dram, "background_mw_per_gib", dramBackgroundPerGiB, "mW per GiB")
        cite(dram, "buffer_pj_per_byte", bufferPerByte, "pJ per byte")
        try top.finish(allowed: ["name", "technology", "precisions", "spiking", "accelerator", "dram"])
        citations = cited.map { Citation(key: $0.0, figure: $0.1, unit: $0.2, text: $0.3) }
    }

    /// Loads `topologies/baselines.yaml` (or another file).
    public init(contentsOf url: URL) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw BaselineError.invalidArgument("cannot read baseline table \(url.path): \(error.localizedDescription)")
        }
        try self.init(yaml: text, source: url.path)
    }

    public func precision(_ p: DensePrecision) -> Precision { p == .fp16 ? fp16 : int8 }

    /// The table at `target`: arithmetic, accumulate and buffer energies scaled with Stillmaker &
    /// Baas; DRAM figures kept (DRAM is its own process, not the logic node).
    public func scaled(to target: TechnologyPoint) -> BaselineTable {
        let f = technology.energyFactor(to: target)
        var t = self
        t.technology = target
        for p in [\BaselineTable.fp16, \BaselineTable.int8] {
            t[keyPath: p].multiplyPJ *= f; t[keyPath: p].addPJ *= f; t[keyPath: p].mac = t[keyPath: p].mac.scaled(by: f)
        }
        t.accumulate = accumulate.scaled(by: f)
        t.bufferPerByte = bufferPerByte.scaled(by: f)
        let scaledKeys: Set = ["precisions.fp16.mac_pj", "precisions.int8.mac_pj", "spiking.accumulate_pj", "dram.buffer_pj_per_byte"]
        t.citations = citations.map { c in
            var c = c
            if scaledKeys.contains(c.key) { c.figure = c.figure.scaled(by: f) }
            return c
        }
        return t
    }
}

/// The two dense precisions compared against.
public enum DensePrecision: String, Sendable, CaseIterable {
    case fp16, int8
}
