import Engine
import Store

/// What a pipeline run ended as, with what it measured.
public struct RunOutcome<Extra> {
    public enum Status {
        /// Every token finished and, with a database, every row is stored and the run marked complete.
        case complete
        /// `shouldStop` ended the run early; with a database, the run is marked interrupted with what it simulated.
        case interrupted
        /// Tokens could not finish (completion markers lost at full router buffers); the message says why and what to change.
        case stalled(String)
        /// The simulation finished but its rows could not be stored (disk full, a lock): `marked` tells whether the
        /// run could at least be marked interrupted. The results are all here.
        case notStored(error: any Error, marked: Bool)
    }

    public var status: Status
    public var result: RunResult
    /// The caller's own outcome (the closed loop's tokens and fidelity), when the run got that far.
    public var extra: Extra?
    /// The energy study, when the run got that far (not after an interrupt or a stall with a database).
    public var comparison: Comparison?
    /// The stored run, with a database.
    public var run: RunID?

    @usableFromInline
    init(status: Status, result: RunResult, extra: Extra? = nil, comparison: Comparison? = nil, run: RunID? = nil) {
        self.status = status; self.result = result; self.extra = extra; self.comparison = comparison; self.run = run
    }
}

/// What a caller's outcome adds to the stored study: whether the run was a closed loop, and how
/// close its logits came to the dense model's (`--fidelity`). The CLI's closed-loop outcome conforms.
public protocol RunExtras {
    var isClosedLoop: Bool { get }
    var fidelity: (top1Agreement: Double, meanKL: Double, positions: Int)? { get }
}
