import Foundation

/// Finds shipped files (topologies, baseline tables) whether spikechip runs from the
/// repository, from elsewhere, or as a built binary inside the repository's .build folder.
enum ResourceLocator {
    /// The repository this binary was built from, found from this source file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Resolves a topology given as a path or a shipped name ("truenorth", "spikechip-llm.yaml").
    static func topology(_ nameOrPath: String) throws -> String {
        let fm = FileManager.default
        if fm.fileExists(atPath: nameOrPath) { return nameOrPath }
        let file = nameOrPath.hasSuffix(".yaml") ? nameOrPath : nameOrPath + ".yaml"
        for dir in [URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("topologies"),
                    repositoryRoot.appendingPathComponent("topologies")] {
            let p = dir.appendingPathComponent((file as NSString).lastPathComponent).path
            if fm.fileExists(atPath: p) { return p }
        }
        let shipped = (try? fm.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("topologies").path))?
            .filter { $0.hasSuffix(".yaml") && $0 != "baselines.yaml" }.sorted().map { ($0 as NSString).deletingPathExtension } ?? []
        throw ValidationErrorMessage("no topology '\(nameOrPath)': give a YAML path or one of the shipped names: \(shipped.joined(separator: ", "))")
    }

    /// The dense-baseline energy table shipped in topologies/baselines.yaml.
    static func baselines(_ path: String?) throws -> String {
        if let path { return path }
        return try topology("baselines")
    }
}

/// An error whose description is the whole message.
struct ValidationErrorMessage: Error, CustomStringConvertible {
    let description: String
    init(_ s: String) { description = s }
}
