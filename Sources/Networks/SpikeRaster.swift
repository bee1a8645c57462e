import CZlib
import Foundation

/// Input spike trains: for each time step, the global ids of the input neurons that fire.
///
/// Read from a NumPy `.npy` array of shape [T, n] (or [T, 1, n], a batch of one), any of bool,
/// (u)int8–64 or float32/64, where a non-zero element is a spike; n is the total size of the
/// network's Input populations, in file order. A `.npz` (`numpy.savez` or `numpy.savez_compressed`)
/// holding one array, or an array named `spikes`, is read the same way.
public struct SpikeRaster: Sendable {
    public let steps: Int
    /// Spikes of step t: `neurons[start[t]..<start[t + 1]]`, ascending.
    let start: ContiguousArray<Int32>
    let neurons: ContiguousArray<Int32>

    /// Most elements read: 2^31 (a 2 GiB file of bytes).
    public static let maxElements = 1 << 31

    public var count: Int { neurons.count }

    public func spikes(step: Int) -> ArraySlice<Int32> {
        neurons[Int(start[step])..<Int(start[step + 1])]
    }

    init(steps: Int, start: ContiguousArray<Int32>, neurons: ContiguousArray<Int32>) {
        self.steps = steps; self.start = start; self.neurons = neurons
    }

    /// Spikes given as (step, input index) for `inputs` wide steps; `ids` maps an input index to its global neuron id.
    public init(steps: Int, spikes: [[Int]], ids: [Int32]) {
        var start = ContiguousArray<Int32>([0]), neurons = ContiguousArray<Int32>()
        for t in 0..<steps {
            for i in spikes[t].sorted() { neurons.append(ids[i]) }
            start.append(Int32(neurons.count))
        }
        self.steps = steps; self.start = start; self.neurons = neurons
    }

    /// Reads `path` for a network whose inputs are the global neurons `ids` (one per column).
    public init(npy path: String, ids: [Int32]) throws {
        var data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw NetworkError.invalidInput("\(path): cannot read the input spikes (\(error.localizedDescription)); pass a NumPy .npy file of shape [time steps, \(ids.count)]")
        }
        if data.starts(with: [0x50, 0x4B, 0x03, 0x04]) { data = try Self.npzMember(data, path: path) }
        let header = try Self.header(data, path: path)
        let shape = header.shape
        let n = ids.count
        guard (shape.count == 2 && shape[1] == n) || (shape.count == 3 && shape[1] == 1 && shape[2] == n) else {
            throw NetworkError.invalidInput("\(path): input spikes have shape \(shape); the network has \(n) input neurons, so [time steps, \(n)] (or [time steps, 1, \(n)]) is expected")
        }
        let steps = shape[0]
        guard steps >= 1 else { throw NetworkError.invalidInput("\(path): the input has no time steps") }
        let (elements, overflow) = steps.multipliedReportingOverflow(by: n)
        guard !overflow, elements <= Self.maxElements, header.offset + elements * header.itemSize <= data.count else {
            throw NetworkError.invalidInput("\(path): a [\(steps), \(n)] array of \(header.itemSize)-byte elements does not fit in its \(data.count) bytes (or exceeds \(Self.maxElements) elements)")
        }
        var start = ContiguousArray<Int32>([0]), neurons = ContiguousArray<Int32>()
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let body = UnsafeRawBufferPointer(rebasing: raw[header.offset...])
            for t in 0..<steps {
                for i in 0..<n {
                    let e = t * n + i
                    let x: Double
                    switch header.kind {
                    case "b", "u", "i":
                        var bits: UInt64 = 0
                        for b in 0..<header.itemSize { bits |= UInt64(body[e * header.itemSize + b]) << (8 * b) }
                        x = bits == 0 ? 0 : 1
                    default:
                        x = header.itemSize == 4 ? Double(Float(bitPattern: body.loadUnaligned(fromByteOffset: e * 4, as: UInt32.self)))
                            : Double(bitPattern: body.loadUnaligned(fromByteOffset: e * 8, as: UInt64.self))
                    }
                    guard x.isFinite else {
                        throw NetworkError.invalidInput("\(path): element [\(t), \(i)] is \(x); spikes are 0 or non-zero finite values")
                    }
                    if x != 0 { neurons.append(ids[i]) }
                }
                start.append(Int32(neurons.count))
            }
        }
        self.steps = steps; self.start = start; self.neurons = neurons
    }

    /// The array of a .npz (a zip of .npy files, as `numpy.savez` stores them and `numpy.savez_compressed`
    /// deflates them): the only one, or the one named `spikes`. Read from the local headers (ZIP64 sizes included).
    static func npzMember(_ data: Data, path: String) throws -> Data {
        let base = data.startIndex
        func u16(_ i: Int) -> Int { Int(data[base + i]) | Int(data[base + i + 1]) << 8 }
        func u32(_ i: Int) -> UInt64 { UInt64(u16(i)) | UInt64(u16(i + 2)) << 16 }
        func u64(_ i: Int) -> UInt64 { u32(i) | u32(i + 4) << 32 }
        var offset = 0
        var members: [(name: String, range: Range<Int>, deflated: Bool, size: UInt64)] = []
        while offset + 30 <= data.count, u32(offset) == 0x0403_4B50 {
            let flags = u16(offset + 6), method = u16(offset + 8)
            var stored = u32(offset + 18), size = u32(offset + 22)
            let nameLength = u16(offset + 26), extraLength = u16(offset + 28)
            let extraStart = offset + 30 + nameLength, start = extraStart + extraLength
            guard start <= data.count else { throw NetworkError.invalidInput("\(path): a truncated .npz (zip) header") }
            let name = String(decoding: data[(base + offset + 30)..<(base + extraStart)], as: UTF8.self)
            var x = extraStart
            while x + 4 <= start {
                let id = u16(x), length = u16(x + 2)
                // ZIP64: the uncompressed size, then the compressed one, each present when the header holds 0xFFFFFFFF.
                if id == 1 {
                    var p = x + 4
                    if size == 0xFFFF_FFFF, p + 8 <= start { size = u64(p); p += 8 }
                    if stored == 0xFFFF_FFFF, p + 8 <= start { stored = u64(p) }
                }
                x += 4 + length
            }
            guard method == 0 || method == 8 else {
                throw NetworkError.invalidInput("\(path): '\(name)' is compressed with zip method \(method); numpy.savez, numpy.savez_compressed (deflate) and numpy.save files are read")
            }
            guard flags & 8 == 0, stored <= UInt64(data.count - start) else {
                throw NetworkError.invalidInput("\(path): '\(name)' has no size in its zip header or runs past the end of the file")
            }
            members.append((name, start..<(start + Int(stored)), method == 8, size))
            offset = start + Int(stored)
        }
        guard !members.isEmpty else { throw NetworkError.invalidInput("\(path): neither a NumPy .npy file nor a .npz") }
        guard let member = members.count == 1 ? members[0] : members.first(where: { $0.name == "spikes.npy" }) else {
            throw NetworkError.invalidInput("\(path): holds \(members.map { ($0.name as NSString).deletingPathExtension }.joined(separator: ", ")); name the input array 'spikes' or save only one")
        }
        let bytes = data[(base + member.range.lowerBound)..<(base + member.range.upperBound)]
        return member.deflated ? try inflate(bytes, size: member.size, path: path, name: member.name) : bytes
    }

    /// Inflates a zip member's raw deflate stream into the `size` bytes its header states, and checks that it
    /// holds exactly that many. The size is checked against the machine's memory before anything is allocated.
    static func inflate(_ compressed: Data, size: UInt64, path: String, name: String) throws -> Data {
        let limit = ProcessInfo.processInfo.physicalMemory / 2
        guard size <= limit else {
            throw NetworkError.invalidInput("\(path): '\(name)' inflates to \(size) bytes, more than half of this machine's memory (\(limit) bytes)")
        }
        guard size > 0, !compressed.isEmpty else { throw NetworkError.invalidInput("\(path): '\(name)' is empty") }
        var out = Data(count: Int(size))
        var stream = z_stream()
        guard spikechip_inflate_init_raw(&stream) == Z_OK else { throw NetworkError.invalidInput("\(path): zlib could not start inflating '\(name)'") }
        defer { inflateEnd(&stream) }
        // zlib counts in 32 bits: feed and drain at most 1 GiB at a time. A stream cut short, or longer than
        // the header says, stops making progress and ends in Z_BUF_ERROR.
        let chunk = 1 << 30
        let status: Int32 = compressed.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output in
                var status = Z_OK, consumed = 0, produced = 0
                repeat {
                    let inCount = Swift.min(chunk, input.count - consumed), outCount = Swift.min(chunk, output.count - produced)
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self) + consumed)
                    stream.avail_in = uInt(inCount)
                    stream.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self) + produced
                    stream.avail_out = uInt(outCount)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    consumed += inCount - Int(stream.avail_in)
                    produced += outCount - Int(stream.avail_out)
                } while status == Z_OK
                return status == Z_STREAM_END && produced == output.count ? Z_STREAM_END : Z_DATA_ERROR
            }
        }
        guard status == Z_STREAM_END else {
            throw NetworkError.invalidInput("\(path): '\(name)' is not a valid deflate stream of the \(size) bytes its zip header states")
        }
        return out
    }

    /// The .npy header: version 1–3, little-endian, C order.
    static func header(_ data: Data, path: String) throws -> (kind: String, itemSize: Int, shape: [Int], offset: Int) {
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw NetworkError.invalidInput("\(path): not a NumPy .npy file (write the spikes with numpy.save)")
        }
        let major = bytes[6]
        let (length, start): (Int, Int) = major == 1 ? (Int(bytes[8]) | Int(bytes[9]) << 8, 10)
            : (bytes.count >= 12 ? (Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24, 12) : (0, 12))
        guard (1...3).contains(major), length > 0, start + length <= data.count, length <= 1 << 20,
              let text = String(data: data[(data.startIndex + start)..<(data.startIndex + start + length)], encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw NetworkError.invalidInput("\(path): malformed .npy header")
        }
        func field(_ key: String) -> Substring? {
            guard let r = text.range(of: "'\(key)':") else { return nil }
            return text[r.upperBound...].drop(while: { $0 == " " })
        }
        guard let d = field("descr"), let f = field("fortran_order"), let s = field("shape"),
              let q = d.first, q == "'" || q == "\"", let close = d.dropFirst().firstIndex(of: q) else {
            throw NetworkError.invalidInput("\(path): .npy header lacks descr, fortran_order or shape")
        }
        let descr = String(d[d.index(after: d.startIndex)..<close])
        guard f.hasPrefix("False") else { throw NetworkError.invalidInput("\(path): Fortran-order arrays are not read; save with numpy.ascontiguousarray") }
        guard let open = s.firstIndex(of: "("), let end = s.firstIndex(of: ")") else { throw NetworkError.invalidInput("\(path): .npy shape is not a tuple") }
        let dims = s[s.index(after: open)..<end].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = try dims.map { (text: String) -> Int in
            guard let v = Int(text), v >= 0 else { throw NetworkError.invalidInput("\(path): .npy shape element '\(text)' is not a size") }
            return v
        }
        let accepted = ["|b1": ("b", 1), "|u1": ("u", 1), "|i1": ("i", 1), "<u2": ("u", 2), "<i2": ("i", 2), "<u4": ("u", 4), "<i4": ("i", 4),
                        "<u8": ("u", 8), "<i8": ("i", 8), "<f4": ("f", 4), "<f8": ("f", 8)]
        guard let (kind, size) = accepted[descr] else {
            throw NetworkError.invalidInput("\(path): element type \(descr) is not read; save spikes as bool, little-endian integers, float32 or float64")
        }
        return (kind, size, shape, start + length)
    }
}

/// The spikes a run produced: counts per neuron and, for every neuron, its spike steps.
public struct SpikeRecord: Sendable {
    /// Spikes of each global neuron.
    public private(set) var counts: ContiguousArray<UInt32>
    /// Every spike as (step, global neuron), in the order the chip produced them.
    public private(set) var events: ContiguousArray<(step: UInt32, neuron: UInt32)> = []
    public private(set) var perPopulation: [UInt64]

    init(populations: Int, neurons: Int) {
        counts = ContiguousArray(repeating: 0, count: neurons)
        perPopulation = Array(repeating: 0, count: populations)
    }

    mutating func add(neuron g: Int, population: Int, step: Int) {
        counts[g] &+= 1
        perPopulation[population] &+= 1
        events.append((UInt32(step), UInt32(g)))
    }
}
