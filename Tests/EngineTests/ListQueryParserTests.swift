import Foundation
import Store
import Testing
import Workflow

/// The list-query language (``ListQuery``): every operator, precedence, quoting, and errors that
/// name their position; hostile text never crashes the parser and stays a value.
@Suite("List query parser")
struct ListQueryParserTests {
    typealias Q = ListQuery

    static func comparison(_ field: Q.Field, _ op: Q.Operator, _ values: Q.Value...) -> Q.Expression {
        .comparison(Q.Comparison(field: field, op: op, values: values))
    }

    /// The message of the `InvalidQuery` error the text raises, or a recorded issue.
    static func failure(_ text: String) -> String {
        do {
            _ = try ListQuery(parsing: text)
            Issue.record("\(text) parsed")
            return ""
        } catch let error as StoreError {
            #expect(error.code == .invalidQuery, "\(error)")
            return error.message
        } catch {
            Issue.record("\(error)")
            return ""
        }
    }

    @Test func everyOperatorOnEveryKindOfField() throws {
        #expect(try Q(parsing: "WorkflowId = 'a'").expression == Self.comparison(.workflowId, .equal, .string("a")))
        #expect(try Q(parsing: "WorkflowType != \"b\"").expression == Self.comparison(.workflowType, .notEqual, .string("b")))
        #expect(try Q(parsing: "WorkflowType <> 'b'").expression == Self.comparison(.workflowType, .notEqual, .string("b")))
        #expect(try Q(parsing: "score < 5").expression == Self.comparison(.custom("score"), .less, .int(5)))
        #expect(try Q(parsing: "score > -2.5").expression == Self.comparison(.custom("score"), .greater, .double(-2.5)))
        #expect(try Q(parsing: "score <= 1e3").expression == Self.comparison(.custom("score"), .lessOrEqual, .double(1000)))
        #expect(try Q(parsing: "score >= 7").expression == Self.comparison(.custom("score"), .greaterOrEqual, .int(7)))
        #expect(try Q(parsing: "vip = TRUE").expression == Self.comparison(.custom("vip"), .equal, .bool(true)))
        #expect(
            try Q(parsing: "ExecutionStatus in ('Running', 'Paused')").expression
                == Self.comparison(.executionStatus, .in, .string("Running"), .string("Paused")))
        #expect(try Q(parsing: "WorkflowId STARTS_WITH 'lead-'").expression == Self.comparison(.workflowId, .startsWith, .string("lead-")))
        let time = try #require(SearchAttributes.time(from: "2026-12-07T08:00:00Z"))
        #expect(try Q(parsing: "StartTime > '2026-12-07T09:00:00+01:00'").expression == Self.comparison(.startTime, .greater, .time(time)))
        #expect(try Q(parsing: "CloseTime <= '2026-12-07T08:00:00.000Z'").expression == Self.comparison(.closeTime, .lessOrEqual, .time(time)))
        #expect(try Q(parsing: "`company name` = 'Acme'").expression == Self.comparison(.custom("company name"), .equal, .string("Acme")))
        #expect(try Q(parsing: "`WorkflowId` = 'a'").expression == Self.comparison(.workflowId, .equal, .string("a")))
    }

    @Test func andBindsTighterThanOrAndParenthesesRegroup() throws {
        let a = Self.comparison(.custom("a"), .equal, .int(1))
        let b = Self.comparison(.custom("b"), .equal, .int(2))
        let c = Self.comparison(.custom("c"), .equal, .int(3))
        #expect(try Q(parsing: "a = 1 OR b = 2 AND c = 3").expression == .any([a, .all([b, c])]))
        #expect(try Q(parsing: "a = 1 and b = 2 or c = 3").expression == .any([.all([a, b]), c]))
        #expect(try Q(parsing: "a = 1 AND (b = 2 OR c = 3)").expression == .all([a, .any([b, c])]))
        #expect(try Q(parsing: "((a = 1))").expression == a)
    }

    @Test func quotesInsideStringsAreValuesNotSyntax() throws {
        #expect(
            try Q(parsing: "WorkflowId = 'x'' OR 1=1 --'").expression == Self.comparison(.workflowId, .equal, .string("x' OR 1=1 --")))
        #expect(try Q(parsing: #"WorkflowId = 'a\'b'"#).expression == Self.comparison(.workflowId, .equal, .string("a'b")))
        #expect(try Q(parsing: #"WorkflowId = "'; DROP TABLE x; --""#).expression == Self.comparison(.workflowId, .equal, .string("'; DROP TABLE x; --")))
    }

    @Test func errorsNameThePositionAndWhatWasExpected() {
        #expect(Self.failure("WorkflowId = ") == "invalid query at position 14: expected a value")
        #expect(Self.failure("WorkflowId = 'a' AND") == "invalid query at position 21: expected a field name")
        #expect(Self.failure("WorkflowId 'a'").hasPrefix("invalid query at position 12: expected an operator"))
        #expect(Self.failure("(a = 1").hasPrefix("invalid query at position 7: expected ) to close the ( at position 1"))
        #expect(Self.failure("a = 1 b = 2").hasPrefix("invalid query at position 7: expected AND, OR or the end"))
        #expect(Self.failure("WorkflowId = 'open").hasPrefix("invalid query at position 14: the string that starts here has no closing"))
        #expect(Self.failure("a = 1; DROP TABLE x").hasPrefix("invalid query at position 6: unexpected character"))
        #expect(Self.failure("ExecutionStatus = 'Sleeping'").hasPrefix("invalid query at position 19: expected a status"))
        #expect(Self.failure("ExecutionStatus > 'Running'") == "invalid query at position 17: ExecutionStatus takes only =, != and IN")
        #expect(Self.failure("StartTime > 'yesterday'").hasPrefix("invalid query at position 13: expected a time in ISO 8601"))
        #expect(Self.failure("StartTime STARTS_WITH '2026'") == "invalid query at position 11: a time takes no STARTS_WITH")
        #expect(Self.failure("WorkflowId = 5") == "invalid query at position 14: expected a string")
        #expect(Self.failure("vip < true") == "invalid query at position 7: true and false have no order")
        #expect(Self.failure("score STARTS_WITH 5") == "invalid query at position 19: STARTS_WITH takes a string")
        #expect(Self.failure("a IN ()") == "invalid query at position 7: expected a value")
        #expect(Self.failure("a IN ('x' 'y')").hasPrefix("invalid query at position 11: expected , or )"))
        #expect(Self.failure("a ! 1") == "invalid query at position 4: expected \"=\" after \"!\"")
        #expect(Self.failure("a = 1e999").hasPrefix("invalid query at position 5:"))
        #expect(Self.failure("`` = 1").hasSuffix("a search attribute name is empty"))
        #expect(Self.failure("a = 'nul\u{0}'").hasSuffix("a string cannot hold a NUL character"))
        #expect(Self.failure("AND = 1") == "invalid query at position 1: expected a field name")
    }

    @Test func hostileSizesAreRefusedNotCrashedOn() {
        #expect(Self.failure(String(repeating: "(", count: 33) + "a = 1" + String(repeating: ")", count: 33)).contains("nest deeper than 32"))
        let nested = String(repeating: "(", count: 32) + "a = 1" + String(repeating: ")", count: 32)
        #expect((try? Q(parsing: nested)) != nil, "32 levels are allowed")
        #expect(Self.failure("WorkflowId = '" + String(repeating: "x", count: 5000) + "'").contains("at most 4096"))
        // A long flat chain stays flat: no recursion per term.
        let chain = (0..<300).map { "a = \($0)" }.joined(separator: " OR ")
        if case .any(let terms)? = try? Q(parsing: chain).expression { #expect(terms.count == 300) } else { Issue.record("no flat OR") }
        #expect(Self.failure(String(repeating: "(", count: 4000)).contains("nest deeper than 32"))
    }

    @Test func searchAttributeTimesHaveOneStoredForm() throws {
        let time = try #require(SearchAttributes.time(from: "2026-12-07T09:30:00.5+01:00"))
        #expect(SearchAttributes.text(of: time) == "2026-12-07T08:30:00.500Z")
        #expect(SearchAttributeValue.time(time).json == .string("2026-12-07T08:30:00.500Z"))
        #expect(SearchAttributes.time(from: "2026-12-07") == nil)
    }
}
