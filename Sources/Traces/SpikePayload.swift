/// The spike payload coding of docs/trace-format.md: per step a varint count, then per
/// spike the varint of `gap << 2 | code` (code 0: +1, 1: −1, 2: a zigzag amplitude follows),
/// so a ternary spike with a gap below 32 neurons takes one byte.
enum SpikePayload {
    /// Appends `block`'s spikes for a stage of `inputs` neurons; throws (naming the step and
    /// neuron) if the spikes are out of order, out of range or of zero amplitude.
    static func encode(_ block: SpikeBlock, inputs: Int, into out: inout [UInt8]) throws(TraceError) {
        for t in 0..<block.steps {
            let r = block.range(ofStep: t)
            appendVarint(UInt64(r.count), to: &out)
            var previous = -1
            for i in r {
                let n = Int(block.neurons[i]), a = block.amplitudes[i]
                guard n > previous, n < inputs else {
                    throw .invalidUse("step \(t): neuron \(n) is out of order or outside the stage's \(inputs) inputs (after neuron \(previous)); spikes must be distinct, increasing and below the stage width")
                }
                guard a != 0, a != Int8.min else {
                    throw .invalidUse("step \(t), neuron \(n): amplitude \(a) is not allowed; expected ±1...±127")
                }
                let gap = UInt64(n - previous - 1) << 2
                switch a {
                case 1: appendVarint(gap, to: &out)
                case -1: appendVarint(gap | 1, to: &out)
                default:
                    appendVarint(gap | 2, to: &out)
                    appendVarint(UInt64(a >= 0 ? 2 * Int(a) : -2 * Int(a) - 1), to: &out)
                }
                previous = n
            }
        }
    }

    @inline(__always)
    static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// Decodes a payload of `steps` steps for a stage of `inputs` neurons into `block`,
    /// checking every rule; the error message says what is malformed and where in the payload.
    static func decode(_ payload: UnsafeRawBufferPointer, steps: Int, inputs: Int, into block: inout SpikeBlock) throws(PayloadError) {
        block.removeAll()
        var cursor = PayloadCursor(payload)
        for t in 0..<steps {
            let count = try cursor.varint()
            guard count <= UInt64(inputs) else { throw PayloadError(offset: cursor.offset, "step \(t) claims \(count) spikes from \(inputs) inputs") }
            var previous = -1
            for _ in 0..<Int(count) {
                let word = try cursor.varint()
                let n = previous + 1 + Int(word >> 2)
                guard n < inputs else { throw PayloadError(offset: cursor.offset, "step \(t): neuron \(n) is outside the stage's \(inputs) inputs") }
                let amplitude: Int8
                switch word & 3 {
                case 0: amplitude = 1
                case 1: amplitude = -1
                case 2:
                    let z = try cursor.varint()
                    guard (3...254).contains(z) else {
                        throw PayloadError(offset: cursor.offset, "step \(t), neuron \(n): coded amplitude \(z) is outside ±2...±127")
                    }
                    amplitude = z & 1 == 0 ? Int8(z >> 1) : -Int8(z >> 1) - 1
                default: throw PayloadError(offset: cursor.offset, "step \(t), neuron \(n): spike code 3 is not defined")
                }
                block.append(neuron: Int32(n), amplitude: amplitude)
                previous = n
            }
            block.endStep()
        }
        guard cursor.offset == payload.count else {
            throw PayloadError(offset: cursor.offset, "\(payload.count - cursor.offset) bytes follow the last step")
        }
    }
}

/// A malformed payload: what and at which byte of the payload.
struct PayloadError: Error {
    var offset: Int
    var message: String
    init(offset: Int, _ message: String) { self.offset = offset; self.message = message }
}

/// Reads canonical varints from a payload, never past its end.
struct PayloadCursor {
    let bytes: UnsafeRawBufferPointer
    var offset = 0
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inline(__always)
    mutating func varint() throws(PayloadError) -> UInt64 {
        let end = bytes.count
        guard offset < end else { throw PayloadError(offset: offset, "the payload ends inside a step") }
        let first = bytes[offset]
        offset += 1
        if first < 0x80 { return UInt64(first) }
        var value = UInt64(first & 0x7F), shift: UInt64 = 7
        for _ in 1..<TraceFormat.maxVarintBytes {
            guard offset < end else { throw PayloadError(offset: offset, "the payload ends inside a varint") }
            let b = bytes[offset]
            offset += 1
            value |= UInt64(b & 0x7F) << shift
            if b < 0x80 {
                guard b != 0 else { throw PayloadError(offset: offset - 1, "non-canonical varint (ends in a zero byte)") }
                return value
            }
            shift += 7
        }
        throw PayloadError(offset: offset, "varint longer than \(TraceFormat.maxVarintBytes) bytes")
    }
}
