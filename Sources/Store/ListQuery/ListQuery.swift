import Foundation

/// A list filter in a subset of Temporal's list-filter language, parsed from `GET …/workflows?query=`:
/// comparisons joined by `AND` and `OR` (`AND` binds tighter), grouped by parentheses.
///
/// ## Usage
/// ```swift
/// let query = try ListQuery(parsing: "WorkflowType = 'LeadNurture' AND (stage = 'qualified' OR score >= 80)")
/// ```
/// The fields are `WorkflowId`, `WorkflowType`, `ExecutionStatus`, `StartTime`, `CloseTime`, and
/// any other name, which is a custom search attribute. The operators are `=`, `!=` (or `<>`),
/// `<`, `>`, `<=`, `>=`, `IN (…)` and `STARTS_WITH`. Values are strings in `'single'` or
/// `"double"` quotes (a quote inside is doubled or escaped with `\`), numbers, and `true`/`false`;
/// times are strings in ISO 8601 with a zone (`'2026-12-07T08:00:00Z'`). A name that is not a
/// plain identifier goes in backticks. The Store compiles a query to SQL whose every value is a
/// bound parameter (`ListQuerySQL`); the text is never spliced.
public struct ListQuery: Sendable, Hashable {
    /// The longest query text accepted, in UTF-8 bytes.
    public static let maxLength = 4096
    /// The deepest nesting of parentheses accepted.
    public static let maxDepth = 32

    /// The parsed filter.
    public var expression: Expression

    /// Parses a query.
    ///
    /// - Throws: ``StoreError`` `InvalidQuery`, whose message names the position (counted in
    ///   characters from 1) and what was expected there.
    public init(parsing text: String) throws {
        guard text.utf8.count <= Self.maxLength else {
            throw StoreError(.invalidQuery, "the query is \(text.utf8.count) bytes; at most \(Self.maxLength) are accepted")
        }
        var parser = try ListQueryParser(text)
        expression = try parser.parse()
    }

    /// A filter: comparisons, all of or any of several filters.
    public indirect enum Expression: Sendable, Hashable {
        case comparison(Comparison)
        case all([Expression])
        case any([Expression])
    }

    /// One field compared with one value, or with a list for `IN`.
    public struct Comparison: Sendable, Hashable {
        public var field: Field
        public var op: Operator
        public var values: [Value]

        public init(field: Field, op: Operator, values: [Value]) {
            self.field = field
            self.op = op
            self.values = values
        }
    }

    /// What a comparison reads: a column of the run, or a custom search attribute.
    public enum Field: Sendable, Hashable {
        case workflowId, workflowType, executionStatus, startTime, closeTime
        case custom(String)

        init(name: String) {
            switch name {
            case "WorkflowId": self = .workflowId
            case "WorkflowType": self = .workflowType
            case "ExecutionStatus": self = .executionStatus
            case "StartTime": self = .startTime
            case "CloseTime": self = .closeTime
            default: self = .custom(name)
            }
        }
    }

    /// A comparison's operator.
    public enum Operator: String, Sendable, Hashable {
        case equal = "=", notEqual = "!=", less = "<", greater = ">", lessOrEqual = "<=", greaterOrEqual = ">="
        case `in` = "IN", startsWith = "STARTS_WITH"

        /// Whether the operator orders values (and so needs a value with an order).
        var isRange: Bool { [.less, .greater, .lessOrEqual, .greaterOrEqual].contains(self) }
    }

    /// A literal value.
    public enum Value: Sendable, Hashable {
        case string(String)
        case int(Int64)
        case double(Double)
        case bool(Bool)
        /// A string that reads as an ISO 8601 time with a zone.
        case time(Date)
    }
}
