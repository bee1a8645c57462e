/// The weights one row of a TrueNorth core's axons gives its neurons so far. TrueNorth's crossbar
/// stores one bit per synapse; a neuron's weight for an axon is one of the neuron's `types` values
/// (four on TrueNorth), chosen by the axon's type (Merolla et al., Science 2014). So the axons of
/// one core must agree: for each type, every neuron sees one weight from all axons of that type.
///
/// Axons are placed first-fit: an axon takes the first type whose values agree with all its
/// non-zero weights, setting those not yet set. When none does, it starts the block's next core.
/// First-fit may use more cores than the fewest possible (that is graph colouring); a compiler
/// could pack tighter, never looser.
struct AxonTypes {
    let types: Int
    let first: Int
    /// Neuron-major: `values[(neuron − first) · types + type]`, NaN while unset.
    private var values: [Double]
    /// Entries set since the last `clear()`, so clearing costs what was set.
    private var touched: [Int] = []

    /// An empty row for the neurons `neurons` (indices in their population).
    init(types: Int, neurons: Range<Int>) {
        self.types = types; first = neurons.lowerBound
        values = [Double](repeating: .nan, count: neurons.count * types)
    }

    /// Starts a new row: no type has values yet.
    mutating func clear() {
        for i in touched { values[i] = .nan }
        touched.removeAll(keepingCapacity: true)
    }

    /// Gives the axon whose synapses are `synapses` of `matrix` a type if one agrees; false if none does.
    mutating func place(_ matrix: SparseMatrix, _ synapses: Range<Int>) -> Bool {
        for type in 0..<types {
            let fits = synapses.allSatisfy { e in
                let v = values[(Int(matrix.row[e]) - first) * types + type]
                return v.isNaN || v == matrix.value[e]
            }
            guard fits else { continue }
            for e in synapses {
                let i = (Int(matrix.row[e]) - first) * types + type
                if values[i].isNaN { values[i] = matrix.value[e]; touched.append(i) }
            }
            return true
        }
        return false
    }
}
