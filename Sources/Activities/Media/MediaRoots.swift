import Foundation
import Workflow

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The directories the media activities may read and write under, and the one place where a path
/// from input is turned into a path on disk.
///
/// A path is resolved with symlinks followed: the deepest ancestor that exists is resolved with
/// `realpath`, and the rest is appended. A path with a `..` component, one that runs through a
/// dangling symlink, or one that lands outside every root is refused with a non-retryable
/// `PathOutsideMediaRoot` failure that names the input field. A relative path is relative to the
/// first root.
public struct MediaRoots: Sendable, Hashable {
    /// The roots, absolute, with symlinks resolved.
    public let directories: [String]

    /// - Parameters:
    ///   - paths: the roots; relative ones are relative to `base`.
    ///   - base: the current directory by default.
    /// - Throws: ``MediaConfigurationError`` when there is no root, or a root cannot be resolved.
    public init(_ paths: [String], relativeTo base: String = FileManager.default.currentDirectoryPath) throws {
        guard !paths.isEmpty else { throw MediaConfigurationError("REPRISE_MEDIA_ROOT names no directory") }
        directories = try paths.map { path in
            let absolute = path.hasPrefix("/") ? path : base + "/" + path
            guard let resolved = Self.canonical(absolute) else {
                throw MediaConfigurationError("the media root \(path) cannot be resolved (it has a .. component or a dangling symlink)")
            }
            return resolved
        }
    }

    /// Resolves a file or directory path from input that must lie under a root.
    ///
    /// - Parameters:
    ///   - field: the input field it came from, named in the failure.
    ///   - strictlyInside: when the path is a directory the activity removes or fills: the root
    ///     itself is refused too.
    /// - Throws: a non-retryable `PathOutsideMediaRoot` ``ApplicationFailure``.
    public func resolve(_ path: String, field: String, strictlyInside: Bool = false) throws -> URL {
        let absolute = path.hasPrefix("/") ? path : directories[0] + "/" + path
        guard !path.isEmpty, let resolved = Self.canonical(absolute) else {
            throw Self.outside(field: field, path: path, why: "it is empty, has a .. component, or runs through a dangling symlink")
        }
        let inside = directories.contains { root in
            let prefix = root.hasSuffix("/") ? root : root + "/"
            return resolved.hasPrefix(prefix) || (!strictlyInside && resolved == root)
        }
        guard inside else {
            let why = "it resolves to \(resolved), which is not \(strictlyInside ? "inside" : "under") a media root (\(directories.joined(separator: ":")))"
            throw Self.outside(field: field, path: path, why: why)
        }
        return URL(fileURLWithPath: resolved)
    }

    /// The failure type of a path outside the roots.
    public static let failureType = "PathOutsideMediaRoot"

    private static func outside(field: String, path: String, why: String) -> ApplicationFailure {
        ApplicationFailure(
            "\(field) \"\(path)\" is refused: \(why)", type: failureType, nonRetryable: true,
            details: .object(["field": .string(field), "path": .string(path)]))
    }

    /// The absolute path with its deepest existing ancestor resolved by `realpath`; `nil` for a
    /// `..` component or a component that exists but cannot be resolved (a dangling symlink).
    static func canonical(_ absolute: String) -> String? {
        let components = absolute.split(separator: "/").map(String.init).filter { $0 != "." }
        guard !components.contains("..") else { return nil }
        var existing = components
        var rest: [String] = []
        while true {
            let candidate = "/" + existing.joined(separator: "/")
            if let real = realpath(candidate, nil) {
                defer { free(real) }
                let base = String(cString: real)
                return rest.isEmpty ? base : (base == "/" ? "" : base) + "/" + rest.joined(separator: "/")
            }
            var status = stat()
            if lstat(candidate, &status) == 0 { return nil }  // it exists, yet cannot be resolved
            guard let last = existing.popLast() else { return nil }
            rest.insert(last, at: 0)
        }
    }
}

/// A media configuration that cannot work, found when the worker starts.
public struct MediaConfigurationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
