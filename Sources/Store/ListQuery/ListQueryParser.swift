import Foundation
import Workflow

/// The recursive-descent parser of ``ListQuery``:
/// ```
/// query      := or END
/// or         := and (OR and)*
/// and        := primary (AND primary)*
/// primary    := '(' or ')' | comparison
/// comparison := name op value | name IN '(' value (',' value)* ')' | name STARTS_WITH string
/// ```
/// It checks each value against its field as it goes, so a status that does not exist or a time
/// that does not parse is reported at its own position.
struct ListQueryParser {
    private let tokens: [ListQueryToken]
    private var index = 0
    private var depth = 0

    init(_ text: String) throws {
        var lexer = ListQueryLexer(text)
        tokens = try lexer.tokens()
    }

    mutating func parse() throws -> ListQuery.Expression {
        let expression = try parseOr()
        guard case .end = current.kind else { throw error(at: current, "expected AND, OR or the end of the query") }
        return expression
    }

    private var current: ListQueryToken { tokens[index] }

    private func error(at token: ListQueryToken, _ what: String) -> StoreError {
        ListQueryLexer.error(token.position, what)
    }

    private mutating func parseOr() throws -> ListQuery.Expression {
        var terms = [try parseAnd()]
        while current.isKeyword("OR") {
            index += 1
            terms.append(try parseAnd())
        }
        return terms.count == 1 ? terms[0] : .any(terms)
    }

    private mutating func parseAnd() throws -> ListQuery.Expression {
        var terms = [try parsePrimary()]
        while current.isKeyword("AND") {
            index += 1
            terms.append(try parsePrimary())
        }
        return terms.count == 1 ? terms[0] : .all(terms)
    }

    private mutating func parsePrimary() throws -> ListQuery.Expression {
        guard case .open = current.kind else { return .comparison(try parseComparison()) }
        let open = current
        depth += 1
        guard depth <= ListQuery.maxDepth else { throw error(at: open, "parentheses nest deeper than \(ListQuery.maxDepth)") }
        index += 1
        let inner = try parseOr()
        guard case .close = current.kind else { throw error(at: current, "expected ) to close the ( at position \(open.position)") }
        index += 1
        depth -= 1
        return inner
    }

    private mutating func parseComparison() throws -> ListQuery.Comparison {
        guard case .name(let name, let quoted) = current.kind,
            quoted || !["AND", "OR", "IN", "STARTS_WITH", "TRUE", "FALSE"].contains(name.uppercased())
        else { throw error(at: current, "expected a field name") }
        if let problem = SearchAttributes.problem(withName: name) { throw error(at: current, problem) }
        let field = ListQuery.Field(name: name)
        index += 1
        let operatorToken = current
        let op: ListQuery.Operator
        switch current.kind {
        case .op(let found): op = found
        case _ where current.isKeyword("IN"): op = .in
        case _ where current.isKeyword("STARTS_WITH"): op = .startsWith
        default: throw error(at: current, "expected an operator (=, !=, <, >, <=, >=, IN or STARTS_WITH)")
        }
        try check(op, on: field, at: operatorToken)
        index += 1
        var values: [ListQuery.Value] = []
        if op == .in {
            guard case .open = current.kind else { throw error(at: current, "expected ( to open IN's list") }
            index += 1
            repeat {
                if !values.isEmpty { index += 1 }
                values.append(try parseValue(for: field, op: op))
            } while current.kind == .comma
            guard case .close = current.kind else { throw error(at: current, "expected , or ) in IN's list") }
            index += 1
        } else {
            values.append(try parseValue(for: field, op: op))
        }
        return ListQuery.Comparison(field: field, op: op, values: values)
    }

    /// Which operators each field takes: a status is only equal or not; a time has no prefix.
    private func check(_ op: ListQuery.Operator, on field: ListQuery.Field, at token: ListQueryToken) throws {
        switch field {
        case .executionStatus where op.isRange || op == .startsWith:
            throw error(at: token, "ExecutionStatus takes only =, != and IN")
        case .startTime where op == .startsWith, .closeTime where op == .startsWith:
            throw error(at: token, "a time takes no STARTS_WITH")
        default: return
        }
    }

    private mutating func parseValue(for field: ListQuery.Field, op: ListQuery.Operator) throws -> ListQuery.Value {
        let token = current
        let value: ListQuery.Value
        switch token.kind {
        case .string(let text): value = .string(text)
        case .number(let number): value = number
        case _ where token.isKeyword("TRUE"): value = .bool(true)
        case _ where token.isKeyword("FALSE"): value = .bool(false)
        default: throw error(at: token, "expected a value")
        }
        index += 1
        return try typed(value, for: field, op: op, at: token)
    }

    /// The value as the field holds it: a time for the time fields (and for a custom attribute
    /// compared with a string that reads as a time), a known status for `ExecutionStatus`.
    private func typed(_ value: ListQuery.Value, for field: ListQuery.Field, op: ListQuery.Operator, at token: ListQueryToken) throws -> ListQuery.Value {
        switch (field, value) {
        case (.workflowId, .string), (.workflowType, .string): return value
        case (.workflowId, _), (.workflowType, _): throw error(at: token, "expected a string")
        case (.executionStatus, .string(let text)):
            guard WorkflowStatus(rawValue: text) != nil else {
                throw error(at: token, "expected a status: one of \(WorkflowStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        case (.executionStatus, _): throw error(at: token, "expected a status in quotes")
        case (.startTime, .string(let text)), (.closeTime, .string(let text)):
            guard let time = SearchAttributes.time(from: text) else { throw error(at: token, "expected a time in ISO 8601 with a zone, such as '2026-12-07T08:00:00Z'") }
            return .time(time)
        case (.startTime, _), (.closeTime, _): throw error(at: token, "expected a time in quotes")
        case (.custom, .string(let text)):
            if op == .startsWith { return value }
            return SearchAttributes.time(from: text).map(ListQuery.Value.time) ?? value
        case (.custom, .bool) where op.isRange || op == .startsWith: throw error(at: token, "true and false have no order")
        case (.custom, _) where op == .startsWith: throw error(at: token, "STARTS_WITH takes a string")
        case (.custom, _): return value
        }
    }
}
