import Foundation

/// A one-line progress display on stderr, shown only when stderr is a terminal, so that
/// pipes and CI logs stay clean.
struct Progress {
    let enabled: Bool
    private var last = ContinuousClock.now
    private let label: String

    init(_ label: String, quiet: Bool = false) {
        self.label = label
        enabled = !quiet && isatty(STDERR_FILENO) == 1
    }

    /// Redraws the line at most ten times a second.
    mutating func update(_ text: @autoclosure () -> String) {
        guard enabled, ContinuousClock.now - last > .milliseconds(100) else { return }
        last = ContinuousClock.now
        FileHandle.standardError.write(Data("\r\u{1B}[K\(label): \(text())".utf8))
    }

    /// Clears the line.
    func done() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
