import Testing
@testable import Sweeps

@Suite("Pareto front")
struct ParetoFrontTests {
    @Test("points no other beats on every objective; equal points both stay")
    func byHand() {
        // (1,5) (2,2) (5,1) are a front; (3,3) is beaten by (2,2); the second (2,2) equals the first.
        let points: [[Double]] = [[1, 5], [2, 2], [5, 1], [3, 3], [2, 2], [6, 6]]
        #expect(ParetoFront.indices(points) == [0, 1, 2, 4])
    }

    @Test("three objectives: a point best on one objective alone is on the front")
    func three() {
        let points: [[Double]] = [[1, 9, 9], [9, 1, 9], [9, 9, 1], [5, 5, 5], [6, 6, 6], [5, 5, 9]]
        #expect(ParetoFront.indices(points) == [0, 1, 2, 3])
    }
}
