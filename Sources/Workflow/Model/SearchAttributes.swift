import Foundation

/// A search attribute's value, as workflow code upserts it (``WorkflowContext/upsertSearchAttributes(_:)``)
/// and a list query compares it (`GET …/workflows?query=`).
///
/// Attributes are stored as JSON in the run's `search_attributes`: a string, a number, a boolean,
/// or a time, which is stored as a string in one fixed form (``SearchAttributes/text(of:)``) so
/// that times compare in order as text.
public enum SearchAttributeValue: Sendable, Hashable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case time(Date)

    /// The JSON the run's `search_attributes` holds for the value.
    public var json: JSONValue {
        switch self {
        case .string(let text): .string(text)
        case .int(let value): .int(value)
        case .double(let value): .double(value)
        case .bool(let value): .bool(value)
        case .time(let date): .string(SearchAttributes.text(of: date))
        }
    }
}

/// The rules search attributes follow, shared by the workflow that writes them and the query
/// that reads them.
public enum SearchAttributes {
    /// The most attributes one upsert may set.
    public static let maxPerUpsert = 100
    /// The longest attribute name, in UTF-8 bytes.
    public static let maxNameLength = 255
    /// The names of the run's own fields in a list query, which no custom attribute may take.
    public static let reservedNames: Set<String> = ["WorkflowId", "WorkflowType", "ExecutionStatus", "StartTime", "CloseTime"]

    /// What is wrong with an attribute name (empty, too long, holding a NUL), or nil.
    public static func problem(withName name: String) -> String? {
        if name.isEmpty { return "a search attribute name is empty" }
        if name.utf8.count > maxNameLength { return "a search attribute name is longer than \(maxNameLength) bytes" }
        if name.contains("\0") { return "a search attribute name holds a NUL character" }
        return nil
    }

    /// A time in the one form stored: UTC, milliseconds always written (`2026-12-07T08:00:00.000Z`).
    public static func text(of date: Date) -> String {
        date.formatted(
            Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    /// A time read from ISO 8601 with a zone, with or without fractional seconds; nil for any other text.
    public static func time(from text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}
