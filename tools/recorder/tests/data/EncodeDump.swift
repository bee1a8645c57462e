// Dev-only: encodes vectors with Swift's ConfiguredEncoder for the recorder's cross-check.
// stdin: repeated [u32 len][encoder utf8][u32 n][n × f32]; stdout: per case [u32 T][f32 scale][T·n × i8].
import Foundation
import Neurons

let input = FileHandle.standardInput.readDataToEndOfFile()
var pos = 0
func u32() -> Int { defer { pos += 4 }; return Int(input.subdata(in: pos..<pos + 4).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }) }
var out = Data()
while pos < input.count {
    let len = u32()
    let name = String(decoding: input.subdata(in: pos..<pos + len), as: UTF8.self); pos += len
    let n = u32()
    let xs: [Float] = input.subdata(in: pos..<pos + 4 * n).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    pos += 4 * n
    var enc = try ConfiguredEncoder(parsing: name)
    let train = try enc.encode(xs)
    var t = UInt32(train.steps), s = train.scale
    withUnsafeBytes(of: &t) { out.append(contentsOf: $0) }
    withUnsafeBytes(of: &s) { out.append(contentsOf: $0) }
    train.spikes.withUnsafeBytes { out.append(contentsOf: $0) }
}
FileHandle.standardOutput.write(out)
