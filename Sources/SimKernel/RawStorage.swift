/// Moves `count` elements into a new allocation of `2 × capacity` and frees the old one:
/// the growth step of the kernel's raw-storage queues.
@usableFromInline
func reallocateDoubling<T>(_ base: UnsafeMutablePointer<T>, count: Int, capacity: Int) -> UnsafeMutablePointer<T> {
    let bigger = UnsafeMutablePointer<T>.allocate(capacity: capacity * 2)
    bigger.moveInitialize(from: base, count: count)
    base.deallocate()
    return bigger
}
