import Foundation
import Workflow

/// The sizes, lengths and counts Reprise accepts from outside. Each is checked where input arrives,
/// before it reaches Postgres or workflow code, and `docs/api.md` lists them with their defaults.
public struct Limits: Sendable, Equatable {
    /// The longest identifier, in UTF-8 bytes: a workflow id, workflow or activity type, task queue,
    /// signal name or namespace. Temporal's default is 1,000 bytes too.
    public var maxIdentifierBytes = 1000
    /// The longest execution timeout a start may ask for: by default the longest duration the
    /// engine accepts anywhere (`Duration.maximumAccepted`, 100 years).
    public var maxDuration: Duration = .maximumAccepted
    /// The most history events one page of `GET …/history` answers.
    public var maxHistoryPageSize = 1000
    /// The most history long-polls (`wait=true`) one server holds at once; more are answered 429.
    public var maxConcurrentLongPolls = 1000
    /// A run's history length at which `describe` warns (Temporal warns at 10,000 events too).
    public var historyWarningEvents: Int64 = 10_000
    /// A run's history size, in bytes of stored event JSON, at which `describe` warns (10 MB, as Temporal).
    public var historyWarningBytes: Int64 = 10 * 1024 * 1024
    /// A run's history length at which ``WorkflowInfo/continueAsNewSuggested`` becomes true
    /// (Temporal's `limit.historyCount.suggestContinueAsNew`, 4,000 events by default too).
    public var continueAsNewSuggestedEvents: Int64 = 4_000
    /// A run's history size, in bytes of stored event JSON, at which
    /// ``WorkflowInfo/continueAsNewSuggested`` becomes true (Temporal's
    /// `limit.historySize.suggestContinueAsNew`: 4 MB).
    public var continueAsNewSuggestedBytes: Int64 = 4 * 1024 * 1024
    /// The longest history a run may grow: the workflow task that would reach it fails the run
    /// with `HistoryLimitExceeded` instead (Temporal's default is 50,000 events too).
    public var maxHistoryEvents: Int64 = 50_000
    /// The largest history a run may grow, in bytes of stored event JSON: a workflow task after
    /// the history has reached it fails the run with `HistoryLimitExceeded` (Temporal: 50 MB).
    public var maxHistoryBytes: Int64 = 50 * 1024 * 1024
    /// The largest workflow result, activity result and heartbeat details, in bytes of JSON
    /// (the API's 2 MiB body limit caps inputs and signals the same way).
    public var maxPayloadBytes = 2 * 1024 * 1024
    /// The most activities one run may have scheduled and not yet finished (Temporal: 2,000).
    public var maxPendingActivities = 2000
    /// The most children one run may have started and not yet seen close (Temporal: 2,000).
    public var maxPendingChildren = 2000
    /// The most signals one run may have received that no workflow task has seen yet; more are
    /// refused with `TooManyPendingSignals` (429).
    public var maxPendingSignals = 1000

    public init() {}

    /// Checks an identifier: not empty, at most ``maxIdentifierBytes`` bytes, and no control
    /// characters (U+0000–U+001F, U+007F–U+009F), which Postgres cannot store (NUL) or which
    /// would let a name forge lines in logs and tables.
    ///
    /// - Throws: ``StoreError`` `InvalidArgument`, naming `field`.
    public func checkIdentifier(_ value: String, field: String) throws {
        guard !value.isEmpty else { throw StoreError(.invalidArgument, "\(field) must not be empty") }
        guard value.utf8.count <= maxIdentifierBytes else {
            throw StoreError(.invalidArgument, "\(field) is \(value.utf8.count) bytes long; the limit is \(maxIdentifierBytes)")
        }
        if let bad = value.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            throw StoreError(
                .invalidArgument, "\(field) contains the control character U+\(String(format: "%04X", bad.value)); identifiers are printable text")
        }
    }

    /// Checks a duration given from outside: positive and at most ``maxDuration``.
    ///
    /// - Throws: ``StoreError`` `InvalidArgument`, naming `field`.
    public func checkDuration(seconds: Double, field: String) throws -> Duration {
        // The conversion itself is the one checked conversion, `Duration.seconds(checked:field:)`.
        guard seconds > 0, let duration = try? Duration.seconds(checked: seconds, field: field), duration <= maxDuration else {
            throw StoreError(.invalidArgument, "\(field) must be a positive number of seconds up to \(maxDuration.seconds), got \(seconds)")
        }
        return duration
    }

    /// Checks that no string in a payload holds U+0000, which a `jsonb` column cannot store. Other
    /// control characters are ordinary JSON escapes (a newline in an e-mail body) and are kept.
    ///
    /// - Throws: ``StoreError`` `InvalidArgument`, naming `field` and the path to the string.
    public func checkPayload(_ payload: Payload?, field: String) throws {
        guard let payload, let path = Self.pathToNUL(in: payload, path: field) else { return }
        throw StoreError(.invalidArgument, "\(path) contains U+0000, which cannot be stored; remove it or encode the bytes (base64)")
    }

    private static func pathToNUL(in value: JSONValue, path: String) -> String? {
        switch value {
        case .string(let text): return text.utf8.contains(0) ? path : nil
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let found = pathToNUL(in: item, path: "\(path)[\(index)]") { return found }
            }
            return nil
        case .object(let fields):
            for (key, item) in fields {
                if key.utf8.contains(0) { return "\(path) (a key)" }
                if let found = pathToNUL(in: item, path: "\(path).\(key)") { return found }
            }
            return nil
        case .null, .bool, .int, .double: return nil
        }
    }
}
