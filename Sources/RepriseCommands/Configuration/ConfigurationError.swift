import ArgumentParser

/// A configuration a process refuses to start with: a bad value, an unknown key in a file, a file
/// that cannot be read. Its message names the key and where the value came from, and the command
/// exits with a usage error (64) before connecting to anything.
struct ConfigurationError: Error, CustomStringConvertible {
    /// The kinds of problem, for tests and callers that branch on them.
    enum Code: String, Sendable { case invalidValue, unknownKeys, unreadableFile }

    let code: Code
    let description: String

    static func invalidValue(key: String, value: String, expected: String, source: String? = nil) -> ConfigurationError {
        ConfigurationError(code: .invalidValue, description: "\(key)\(source.map { " (from \($0))" } ?? ""): expected \(expected), got \"\(value)\"")
    }

    /// The same problem, with where the value came from added.
    func from(_ source: String) -> ConfigurationError {
        guard code == .invalidValue, let colon = description.firstIndex(of: ":") else { return self }
        return ConfigurationError(code: code, description: String(description[..<colon]) + " (from \(source))" + String(description[colon...]))
    }

    static func unknownKeys(_ keys: [String], file: String) -> ConfigurationError {
        ConfigurationError(
            code: .unknownKeys,
            description: "\(file): unknown configuration key\(keys.count == 1 ? "" : "s") \(keys.joined(separator: ", ")) (docs/configuration.md lists the keys)")
    }

    static func unreadableFile(_ file: String, reason: String) -> ConfigurationError {
        ConfigurationError(code: .unreadableFile, description: "--config \(file): \(reason)")
    }
}

extension ConfigurationError {
    /// The error ArgumentParser reports as a usage error: the message, then exit 64.
    var validationError: ValidationError { ValidationError(description) }
}
