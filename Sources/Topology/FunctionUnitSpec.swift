/// A function unit: the non-synaptic datapath next to the cores (norms, attention,
/// activations, reductions, the encoders' thresholds) with its own memory.
public struct FunctionUnitSpec: Sendable, Hashable {
    /// Arithmetic format, e.g. "fp16" or "int8" (informative; the costs below are what count).
    public var precision: String
    /// Operations started per latency period (SIMD width).
    public var lanes: Int
    public var add: OpCost
    public var multiply: OpCost
    /// Exponential (softmax, SiLU).
    public var exp: OpCost
    /// Division (normalisation, SiLU's reciprocal).
    public var divide: OpCost
    /// Reciprocal square root (RMSNorm).
    public var rsqrt: OpCost
    /// Comparison (argmax, threshold).
    public var compare: OpCost
    /// Reading one byte of the unit's SRAM (KV cache, recurrent state, embeddings).
    public var memoryRead: OpCost
    /// Writing one byte of the unit's SRAM.
    public var memoryWrite: OpCost
    /// Bytes of SRAM per unit (KV cache and state must fit).
    public var memoryBytes: Int

    public init(precision: String, lanes: Int, add: OpCost, multiply: OpCost, exp: OpCost, divide: OpCost, rsqrt: OpCost,
                compare: OpCost, memoryRead: OpCost, memoryWrite: OpCost, memoryBytes: Int) {
        self.precision = precision; self.lanes = lanes; self.add = add; self.multiply = multiply; self.exp = exp
        self.divide = divide; self.rsqrt = rsqrt; self.compare = compare; self.memoryRead = memoryRead
        self.memoryWrite = memoryWrite; self.memoryBytes = memoryBytes
    }
}
