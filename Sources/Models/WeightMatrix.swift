import COpenBLAS

/// Dense Float weights of one linear projection, row-major as `outputs` rows of `inputs`
/// values, so `y = W x` and row `o` holds the weights feeding output `o` (GGUF's layout).
/// This is what the spiking mapper quantizes to crossbar precision.
public struct WeightMatrix: Sendable {
    /// Rows: output features.
    public let outputs: Int
    /// Columns: input features.
    public let inputs: Int
    /// `outputs × inputs` weights, row-major.
    public let values: ContiguousArray<Float>

    /// Wraps `values`; fails if their count is not `outputs × inputs`.
    public init(outputs: Int, inputs: Int, values: ContiguousArray<Float>) throws {
        guard values.count == outputs * inputs else {
            throw ModelError.malformed("matrix \(outputs)×\(inputs) given \(values.count) values")
        }
        self.outputs = outputs; self.inputs = inputs; self.values = values
    }

    /// The weight from input `i` to output `o`.
    public subscript(output o: Int, input i: Int) -> Float { values[o * inputs + i] }

    /// `out` (rows × outputs) = `input` (rows × inputs) · Wᵀ (or += when `accumulate`),
    /// via sgemv for one row and sgemm otherwise.
    public func multiply(_ input: UnsafeBufferPointer<Float>, rows: Int, into out: UnsafeMutableBufferPointer<Float>,
                         accumulate: Bool) {
        precondition(input.count >= rows * inputs && out.count >= rows * outputs)
        let beta: Float = accumulate ? 1 : 0
        values.withUnsafeBufferPointer { wb in
            if rows == 1 {
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(outputs), Int32(inputs), 1,
                            wb.baseAddress, Int32(inputs), input.baseAddress, 1, beta, out.baseAddress, 1)
            } else {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outputs), Int32(inputs),
                            1, input.baseAddress, Int32(inputs), wb.baseAddress, Int32(inputs),
                            beta, out.baseAddress, Int32(outputs))
            }
        }
    }
}
