import Configuration
import Foundation
import SystemPackage
import Yams

/// A `--config FILE`: JSON (`.json`) or YAML (`.yaml`, `.yml`), nesting keys by their dotted parts.
/// Its keys are checked against every key Reprise knows before it is read, so a misspelled key is
/// an error that names it rather than a setting silently ignored.
struct ConfigurationFile {
    let path: String
    /// swift-configuration's provider over the file, which the reader consults after flags and the environment.
    let provider: any ConfigProvider

    /// The largest file read: a configuration is a few kilobytes.
    static let maxBytes = 1 << 20

    /// Reads and checks the file at `path`.
    ///
    /// - Parameters:
    ///   - knownKeys: the keys a file may set.
    ///   - secretKeys: the keys whose values are redacted.
    /// - Throws: ``ConfigurationError`` for a missing, oversized or malformed file, or unknown keys.
    static func load(path: String, knownKeys: Set<String>, secretKeys: Set<String>) async throws -> ConfigurationFile {
        let format = URL(fileURLWithPath: path).pathExtension.lowercased()
        guard ["json", "yaml", "yml"].contains(format) else {
            throw ConfigurationError.unreadableFile(path, reason: "the file must end in .json, .yaml or .yml")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ConfigurationError.unreadableFile(path, reason: "cannot be read") }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: maxBytes + 1)) ?? Data()
        guard data.count <= maxBytes else { throw ConfigurationError.unreadableFile(path, reason: "larger than \(maxBytes) bytes") }
        let tree: Any?
        do {
            if format == "json" {
                tree = try JSONSerialization.jsonObject(with: data)
            } else {
                tree = try Yams.load(yaml: String(decoding: data, as: UTF8.self))
            }
        } catch {
            throw ConfigurationError.unreadableFile(path, reason: "not valid \(format == "json" ? "JSON" : "YAML"): \(error)")
        }
        // An empty YAML file is an empty configuration.
        guard let root = (tree ?? [String: Any]()) as? [String: Any] else {
            throw ConfigurationError.unreadableFile(path, reason: "the top level must be a mapping of keys")
        }
        let unknown = leafKeys(of: root).filter { !knownKeys.contains($0) }.sorted()
        guard unknown.isEmpty else { throw ConfigurationError.unknownKeys(unknown, file: path) }
        do {
            let provider: any ConfigProvider =
                format == "json"
                ? try await FileProvider<JSONSnapshot>(parsingOptions: .init(secretsSpecifier: .specific(secretKeys)), filePath: FilePath(path))
                : try await FileProvider<YAMLSnapshot>(parsingOptions: .init(secretsSpecifier: .specific(secretKeys)), filePath: FilePath(path))
            return ConfigurationFile(path: path, provider: provider)
        } catch {
            throw ConfigurationError.unreadableFile(path, reason: "\(error)")
        }
    }

    /// The dotted paths of the values in a nested mapping; a list is a value.
    static func leafKeys(of mapping: [String: Any], prefix: String = "") -> [String] {
        mapping.flatMap { key, value -> [String] in
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            if let nested = value as? [String: Any] { return leafKeys(of: nested, prefix: path) }
            return [path]
        }
    }
}
