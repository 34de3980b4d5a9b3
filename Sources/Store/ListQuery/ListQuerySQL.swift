import Foundation
import PostgresNIO
import Workflow

/// A ``ListQuery`` as a SQL condition over `reprise.workflow_executions`, for any statement that
/// lists runs (``ExecutionsTable/List/statement(matching:)``). Every value of the query, and
/// every attribute name, is a bind; only the fixed column names and operators are text.
///
/// A custom attribute's equality is `search_attributes @> {"k": v}`, which the GIN index
/// `workflow_executions_search` (migration 17) serves; its ranges, `!=` and prefixes read
/// `search_attributes ->> k` of the namespace's runs, unindexed.
enum ListQuerySQL {
    /// The condition a run meets when it matches `expression`, its values declared in `p`.
    static func condition<Input: Sendable>(_ expression: ListQuery.Expression, _ p: inout SQLParameters<Input>) -> String {
        switch expression {
        case .comparison(let comparison): return condition(comparison, &p)
        case .all(let terms): return "(" + terms.map { condition($0, &p) }.joined(separator: " AND ") + ")"
        case .any(let terms): return "(" + terms.map { condition($0, &p) }.joined(separator: " OR ") + ")"
        }
    }

    private static func condition<Input: Sendable>(_ comparison: ListQuery.Comparison, _ p: inout SQLParameters<Input>) -> String {
        let op = comparison.op == .in ? .equal : comparison.op
        let terms = comparison.values.map { value in
            switch comparison.field {
            case .workflowId: column("workflow_id", op, value, &p)
            case .workflowType: column("workflow_type", op, value, &p)
            case .executionStatus: column("status", op, value, &p)
            case .startTime: column("start_time", op, value, &p)
            case .closeTime: column("close_time", op, value, &p)
            case .custom(let name): attribute(name, op, value, &p)
            }
        }
        return terms.count == 1 ? terms[0] : "(" + terms.joined(separator: " OR ") + ")"
    }

    /// A column of the run compared with a value; strings compare by code point.
    private static func column<Input: Sendable>(_ column: String, _ op: ListQuery.Operator, _ value: ListQuery.Value, _ p: inout SQLParameters<Input>) -> String {
        switch (op, value) {
        // In "C", so that the planner can scan `workflow_executions_id_prefix` (migration 20) for an id prefix.
        case (.startsWith, _): "starts_with(\(column) COLLATE \"C\", \(bind(value, &p)))"
        case (_, .string) where op.isRange: "\(column) COLLATE \"C\" \(op.rawValue) \(bind(value, &p))"
        default: "\(column) \(op.rawValue) \(bind(value, &p))"
        }
    }

    /// A custom attribute compared with a value. A run without the attribute, or with a value
    /// of another JSON type, matches no comparison (`!=` included), as a NULL column would not.
    private static func attribute<Input: Sendable>(_ name: String, _ op: ListQuery.Operator, _ value: ListQuery.Value, _ p: inout SQLParameters<Input>) -> String {
        let json = jsonType(value)
        // A custom attribute's time is the string its upsert stored, which orders as text.
        let value = if case .time(let date) = value { ListQuery.Value.string(SearchAttributes.text(of: date)) } else { value }
        // Equality (and so IN) is containment alone: the form the GIN index serves.
        if op == .equal { return "search_attributes @> \(p.bind("jsonb") { _ in try containment(name, value) })" }
        let key = p.bind("text") { _ in name }
        let typed = "jsonb_typeof(search_attributes -> \(key)) = '\(json)'"
        switch op {
        case .notEqual:
            return "(\(typed) AND NOT search_attributes @> \(p.bind("jsonb") { _ in try containment(name, value) }))"
        case .startsWith:
            return "(\(typed) AND starts_with(search_attributes ->> \(key), \(bind(value, &p))))"
        default:
            let read = json == "number" ? "(search_attributes ->> \(key))::numeric" : "(search_attributes ->> \(key)) COLLATE \"C\""
            let bound = json == "number" ? "\(bind(value, &p))::numeric" : bind(value, &p)
            return "(CASE WHEN \(typed) THEN \(read) \(op.rawValue) \(bound) END)"
        }
    }

    private static func jsonType(_ value: ListQuery.Value) -> String {
        switch value {
        case .string, .time: "string"
        case .int, .double: "number"
        case .bool: "boolean"
        }
    }

    private static func bind<Input: Sendable>(_ value: ListQuery.Value, _ p: inout SQLParameters<Input>) -> String {
        switch value {
        case .string(let text): p.bind("text") { _ in text }
        case .int(let number): p.bind("bigint") { _ in number }
        case .double(let number): p.bind("float8") { _ in number }
        case .bool(let flag): p.bind("boolean") { _ in flag }
        case .time(let date): p.bind("timestamptz") { _ in date }
        }
    }

    /// `{"name": value}` for `@>`; a time as the string ``SearchAttributes/text(of:)`` stores.
    private static func containment(_ name: String, _ value: ListQuery.Value) throws -> String {
        let json: JSONValue =
            switch value {
            case .string(let text): .string(text)
            case .int(let number): .int(number)
            case .double(let number): .double(number)
            case .bool(let flag): .bool(flag)
            case .time(let date): .string(SearchAttributes.text(of: date))
            }
        return try JSONColumn.encode(JSONValue.object([name: json]))
    }
}
