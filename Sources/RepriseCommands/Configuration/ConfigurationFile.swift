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
        let text = String(decoding: data, as: UTF8.self)
        // The parsers recurse per level: a hostile file nested thousands deep must not reach them.
        guard Self.nestingDepth(of: text) <= maxDepth else {
            throw ConfigurationError.unreadableFile(path, reason: "nested more than \(maxDepth) levels deep")
        }
        let tree: Any?
        do {
            if format == "json" {
                tree = try JSONSerialization.jsonObject(with: data)
            } else {
                tree = try Yams.load(yaml: text)
            }
        } catch {
            throw ConfigurationError.unreadableFile(path, reason: "not valid \(format == "json" ? "JSON" : "YAML"): \(error)")
        }
        // An empty YAML file is an empty configuration.
        guard let root = (tree ?? [String: Any]()) as? [String: Any] else {
            throw ConfigurationError.unreadableFile(path, reason: "the top level must be a mapping of keys")
        }
        var budget = maxKeys
        let leaves = leafKeys(of: root, budget: &budget)
        // YAML aliases can make a small file name a huge tree: it is refused, not walked.
        guard budget >= 0 else { throw ConfigurationError.unreadableFile(path, reason: "more than \(maxKeys) keys") }
        let unknown = leaves.filter { !knownKeys.contains($0) }.sorted()
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

    /// The deepest nesting a file may have: Reprise's keys are three deep at most.
    static let maxDepth = 32
    /// The most values a file may hold.
    static let maxKeys = 10_000

    /// The dotted paths of the values in a nested mapping; a list is a value. Stops once more
    /// than `budget` values are counted, leaving it negative.
    static func leafKeys(of mapping: [String: Any], prefix: String = "", budget: inout Int) -> [String] {
        var paths: [String] = []
        for (key, value) in mapping {
            guard budget >= 0 else { break }
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            if let nested = value as? [String: Any] {
                paths += leafKeys(of: nested, prefix: path, budget: &budget)
            } else {
                budget -= 1
                paths.append(path)
            }
        }
        return paths
    }

    /// How deep `text` nests, by brackets and braces (JSON, YAML's flow style) or by indentation
    /// (YAML's block style, a level per two columns), whichever is deeper; quotes are not parsed,
    /// so a bracket inside a string counts too, which only errs on the safe side.
    static func nestingDepth(of text: String) -> Int {
        var depth = 0, deepest = 0, indentation = 0, atLineStart = true, column = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\n") {
                (atLineStart, column) = (true, 0)
                continue
            }
            if atLineStart, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                column += 1
                indentation = max(indentation, column)
                continue
            }
            atLineStart = false
            switch byte {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth = max(depth - 1, 0)
            default: break
            }
        }
        return max(deepest, indentation / 2)
    }
}
