/// Offset of the largest value from the collection's start, the first among ties: the
/// greedy choice of the next token from a row of logits.
public func argmax<C: Collection>(_ values: C) -> Int where C.Element: Comparable {
    precondition(!values.isEmpty, "argmax of an empty collection")
    return values.distance(from: values.startIndex, to: values.indices.max { values[$0] < values[$1] }!)
}
