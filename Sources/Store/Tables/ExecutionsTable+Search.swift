import Foundation
import PostgresNIO
import Workflow

extension ExecutionsTable {
    /// Merges upserted search attributes (a JSON object) over a run's, each name's new value
    /// replacing its old one. A start's attributes that are not an object are replaced.
    struct MergeSearchAttributes: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            UPDATE reprise.workflow_executions
            SET search_attributes = CASE WHEN jsonb_typeof(search_attributes) = 'object' THEN search_attributes ELSE '{}'::jsonb END
                || \(p.bind("jsonb") { $0.attributes })
            WHERE run_id = \(p.bind("uuid") { $0.runId })
            """
        }
        typealias Row = Void
        var runId: UUID
        /// The upserted attributes, as a JSON object.
        var attributes: String
    }

    /// A namespace's runs newest first that match a ``ListQuery`` (which ``Store/listWorkflows``
    /// joins with the status and type filters), after a keyset cursor, as ``List`` pages them. Its text is built per query (``Statement/query(_:)``): every value of
    /// the query, and every attribute name, is a bind.
    ///
    /// A custom attribute's equality is `search_attributes @> {"k": v}`, which the GIN index
    /// `workflow_executions_search` serves; its ranges and prefixes read `search_attributes ->> k`
    /// of the namespace's runs, unindexed.
    struct Search: Sendable {
        var namespace: String
        var after: PageToken?
        var limit: Int

        static func statement(_ filter: ListQuery.Expression) -> Statement<Self> {
            Statement<Self> { p in
                var filters = ["namespace = \(p.bind("text") { $0.namespace })", condition(filter, &p)]
                let afterMicros = p.bind("bigint") { $0.after?.micros }
                filters.append(
                    """
                    (\(afterMicros) IS NULL
                     OR (start_time, run_id) < (timestamptz 'epoch' + \(afterMicros) * interval '1 microsecond', \(p.bind("uuid") { $0.after?.runId })))
                    """)
                return """
                    SELECT workflow_id, run_id, workflow_type, status, start_time, close_time FROM reprise.workflow_executions
                    WHERE \(filters.joined(separator: "\n  AND "))
                    ORDER BY start_time DESC, run_id DESC LIMIT \(p.bind("bigint") { $0.limit })
                    """
            }
        }

        private static func condition(_ expression: ListQuery.Expression, _ p: inout SQLParameters<Self>) -> String {
            switch expression {
            case .comparison(let comparison): return condition(comparison, &p)
            case .all(let terms): return "(" + terms.map { condition($0, &p) }.joined(separator: " AND ") + ")"
            case .any(let terms): return "(" + terms.map { condition($0, &p) }.joined(separator: " OR ") + ")"
            }
        }

        private static func condition(_ comparison: ListQuery.Comparison, _ p: inout SQLParameters<Self>) -> String {
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
        private static func column(_ column: String, _ op: ListQuery.Operator, _ value: ListQuery.Value, _ p: inout SQLParameters<Self>) -> String {
            switch (op, value) {
            case (.startsWith, _): "starts_with(\(column), \(bind(value, &p)))"
            case (_, .string) where op.isRange: "\(column) COLLATE \"C\" \(op.rawValue) \(bind(value, &p))"
            default: "\(column) \(op.rawValue) \(bind(value, &p))"
            }
        }

        /// A custom attribute compared with a value. A run without the attribute, or with a value
        /// of another JSON type, matches no comparison (`!=` included), as a NULL column would not.
        private static func attribute(_ name: String, _ op: ListQuery.Operator, _ value: ListQuery.Value, _ p: inout SQLParameters<Self>) -> String {
            let key = p.bind("text") { _ in name }
            let json = jsonType(value)
            // A custom attribute's time is the string its upsert stored, which orders as text.
            let value = if case .time(let date) = value { ListQuery.Value.string(SearchAttributes.text(of: date)) } else { value }
            switch op {
            case .equal:
                return "search_attributes @> \(p.bind("jsonb") { _ in try containment(name, value) })"
            case .notEqual:
                return "(jsonb_typeof(search_attributes -> \(key)) = '\(json)' AND NOT search_attributes @> \(p.bind("jsonb") { _ in try containment(name, value) }))"
            case .startsWith:
                return "(jsonb_typeof(search_attributes -> \(key)) = 'string' AND starts_with(search_attributes ->> \(key), \(bind(value, &p))))"
            case .less, .greater, .lessOrEqual, .greaterOrEqual, .in:
                let read = json == "number" ? "(search_attributes ->> \(key))::numeric" : "(search_attributes ->> \(key)) COLLATE \"C\""
                let bound = json == "number" ? "\(bind(value, &p))::numeric" : bind(value, &p)
                return "(CASE WHEN jsonb_typeof(search_attributes -> \(key)) = '\(json)' THEN \(read) \(op.rawValue) \(bound) END)"
            }
        }

        private static func jsonType(_ value: ListQuery.Value) -> String {
            switch value {
            case .string, .time: "string"
            case .int, .double: "number"
            case .bool: "boolean"
            }
        }

        private static func bind(_ value: ListQuery.Value, _ p: inout SQLParameters<Self>) -> String {
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
}
