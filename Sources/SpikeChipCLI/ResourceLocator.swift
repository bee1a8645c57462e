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
        // A path (anything with a directory in it) names that file and no other: never fall back to a shipped one.
        if nameOrPath.contains("/") {
            throw ValidationErrorMessage("no file \(nameOrPath): check the path, or give a shipped name (\(shippedTopologies().joined(separator: ", ")))")
        }
        let file = nameOrPath.hasSuffix(".yaml") ? nameOrPath : nameOrPath + ".yaml"
        for dir in [URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("topologies"),
                    repositoryRoot.appendingPathComponent("topologies")] {
            let p = dir.appendingPathComponent((file as NSString).lastPathComponent).path
            if fm.fileExists(atPath: p) { return p }
        }
        throw ValidationErrorMessage("no topology '\(nameOrPath)': give a YAML path or one of the shipped names: \(shippedTopologies().joined(separator: ", "))")
    }

    /// The chip descriptions shipped in topologies/ (not the baseline table or the technology library).
    static func shippedTopologies() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("topologies").path)) ?? [])
            .filter { $0.hasSuffix(".yaml") && $0 != "baselines.yaml" && $0 != "technology.yaml" }.sorted().map { ($0 as NSString).deletingPathExtension }
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
