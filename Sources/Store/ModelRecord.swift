import Foundation

/// The model of a run: its name, layer count and full shape as JSON.
///
/// The store does not depend on the `Models` module; any `Encodable` description of the
/// model (in practice `ModelSpec`) is kept as JSON text in `run.model_json`.
public struct ModelRecord: Sendable, Equatable {
    public var name: String
    public var layers: Int
    public var json: String

    public init(name: String, layers: Int, json: String) {
        self.name = name; self.layers = layers; self.json = json
    }

    /// Encodes `spec` (e.g. a `ModelSpec`) with sorted keys, so equal specs give equal text.
    public init<Spec: Encodable>(name: String, layers: Int, spec: Spec) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        self.init(name: name, layers: layers, json: String(decoding: try encoder.encode(spec), as: UTF8.self))
    }
}
