import Foundation
import RepriseTesting
import Store
import Testing
import TestSupport
import Workflow

/// `GET …/workflows?query=` over real HTTP and Postgres: each operator selects the right runs,
/// values with quotes and semicolons stay values, paging keeps the filter, a malformed query is a
/// 400 naming its position, and a query never sees another namespace.
@Suite("List queries over HTTP")
struct ListQueryAPITests {
    static let base = "/api/v1/namespaces/default"
    static let hostile = "x'; DROP TABLE reprise.workflow_executions; --"

    /// The workflow ids the query lists (one page of up to 100), sorted; the reply when not a 200.
    static func ids(_ api: APIHarness, _ query: String, namespace: String = "default") async throws -> [String] {
        let encoded = try #require(query.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        let reply = try await api.send(.get, "/api/v1/namespaces/\(namespace)/workflows?query=\(encoded)")
        guard reply.status == 200, case .array(let runs)? = reply.json["workflows"] else { return ["\(reply.status): \(reply.text)"] }
        return runs.compactMap { if case .string(let id)? = $0["workflowId"] { id } else { nil } }.sorted()
    }

    static func start(_ api: APIHarness, _ id: String, attributes: String?, namespace: String = "default") async throws {
        let field = attributes.map { #","searchAttributes":\#($0)"# } ?? ""
        let reply = try await api.send(
            .post, "/api/v1/namespaces/\(namespace)/workflows", body: #"{"workflowId":"\#(id)","type":"Waiter"\#(field)}"#)
        #expect(reply.status == 201, "\(reply.text)")
    }

    static func startFour(_ api: APIHarness) async throws {
        try await start(api, "order-1", attributes: #"{"customer":"acme","score":10,"vip":true,"due":"2026-12-07T08:00:00.000Z"}"#)
        let hostileJSON = String(decoding: try JSONEncoder().encode(hostile), as: UTF8.self)
        try await start(api, "order-2", attributes: #"{"customer":\#(hostileJSON),"score":20,"vip":false}"#)
        try await start(api, "order-3", attributes: #"{"customer":"globex","score":30.5}"#)
        try await start(api, "order-4", attributes: nil)
    }

    @Test func eachOperatorSelectsTheRunsItNames() async throws {
        try await APIHarness.run(startWorker: false) { api in
            try await Self.startFour(api)
            #expect(try await Self.ids(api, "customer = 'acme'") == ["order-1"])
            #expect(try await Self.ids(api, "customer != 'acme'") == ["order-2", "order-3"], "a run without the attribute is not !=")
            #expect(try await Self.ids(api, "score >= 20") == ["order-2", "order-3"])
            #expect(try await Self.ids(api, "score > 10 AND score < 30") == ["order-2"])
            #expect(try await Self.ids(api, "score <= 10.0") == ["order-1"])
            #expect(try await Self.ids(api, "score = 'ten'") == [], "a value of another type matches nothing, and is no error")
            #expect(try await Self.ids(api, "vip = true OR customer = 'globex'") == ["order-1", "order-3"])
            #expect(try await Self.ids(api, "vip = false AND customer = 'acme' OR score = 30.5") == ["order-3"], "AND before OR")
            #expect(try await Self.ids(api, "vip = false AND (customer = 'acme' OR score = 20)") == ["order-2"])
            #expect(try await Self.ids(api, "customer IN ('acme', \"globex\")") == ["order-1", "order-3"])
            #expect(try await Self.ids(api, "customer STARTS_WITH 'gl'") == ["order-3"])
            #expect(try await Self.ids(api, "customer STARTS_WITH '%'") == [], "LIKE's wildcards are plain characters")
            #expect(try await Self.ids(api, "due <= '2026-12-07T09:00:00+01:00'") == ["order-1"], "times compare across zones")
            #expect(try await Self.ids(api, "due < '2026-12-07T09:00:00+01:00'") == [])
            #expect(try await Self.ids(api, "WorkflowId STARTS_WITH 'order-' AND ExecutionStatus = 'Running'").count == 4)
            #expect(try await Self.ids(api, "WorkflowId IN ('order-2', 'order-4') AND WorkflowType = 'Waiter'") == ["order-2", "order-4"])
            #expect(try await Self.ids(api, "WorkflowId > 'order-2'") == ["order-3", "order-4"])
            #expect(try await Self.ids(api, "ExecutionStatus != 'Running'") == [])
            #expect(try await Self.ids(api, "StartTime > '2000-01-01T00:00:00Z'").count == 4)
            #expect(try await Self.ids(api, "CloseTime > '2000-01-01T00:00:00Z'") == [], "an open run has no close time")
            // The query joins the status and type parameters.
            let encoded = try #require("score >= 20".addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            let typed = try await api.send(.get, "\(Self.base)/workflows?type=Other&query=\(encoded)")
            #expect(typed.json["workflows"] == .array([]), "\(typed.text)")
        }
    }

    @Test func quotesAndSemicolonsAreValuesNeverSQL() async throws {
        try await APIHarness.run(startWorker: false) { api in
            try await Self.startFour(api)
            let quoted = Self.hostile.replacingOccurrences(of: "'", with: "''")
            #expect(try await Self.ids(api, "customer = '\(quoted)'") == ["order-2"])
            #expect(try await Self.ids(api, "customer STARTS_WITH 'x''; DROP'") == ["order-2"])
            #expect(try await Self.ids(api, "WorkflowId = 'x'' OR 1=1 --'") == [])
            #expect(try await Self.ids(api, "`customer\"; DROP TABLE x; --` = 'acme'") == [], "a name is a bind too")
            #expect(try await Self.ids(api, "WorkflowId STARTS_WITH 'order-'").count == 4, "the table is whole")
        }
    }

    @Test func aMalformedQueryIsA400ThatPointsAtThePosition() async throws {
        try await APIHarness.run(startWorker: false) { api in
            for (query, message) in [
                ("WorkflowId = ", "invalid query at position 14: expected a value"),
                ("ExecutionStatus = 'Asleep'", "invalid query at position 19: expected a status"),
                (String(repeating: "(", count: 40), "invalid query at position 33: parentheses nest deeper than 32"),
                ("a = '" + String(repeating: "x", count: 5000) + "'", "the query is 5006 bytes; at most 4096 are accepted"),
            ] {
                let encoded = try #require(query.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
                let reply = try await api.send(.get, "\(Self.base)/workflows?query=\(encoded)")
                #expect(reply.status == 400, "\(reply.text)")
                #expect(reply.json["error"]?["code"] == .string("InvalidQuery"), "\(reply.text)")
                #expect(reply.json["error"]?["message"].map { $0.compactDescription.contains(message) } == true, "\(reply.text)")
            }
            #expect(try await Self.ids(api, "  ") == [], "a blank query lists every run (none here)")
        }
    }

    @Test func pagesKeepTheQuery() async throws {
        try await APIHarness.run(startWorker: false) { api in
            try await Self.startFour(api)
            for id in ["other-1", "other-2"] { try await Self.start(api, id, attributes: #"{"customer":"acme"}"#) }
            let encoded = try #require("WorkflowId STARTS_WITH 'order-' OR customer = 'nobody'".addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            var seen: [String] = []
            var token: String?
            var pages = 0
            repeat {
                let reply = try await api.send(.get, "\(Self.base)/workflows?limit=3&query=\(encoded)" + (token.map { "&pageToken=\($0)" } ?? ""))
                guard case .array(let runs)? = reply.json["workflows"] else { throw TestEnvironmentError(message: reply.text) }
                seen += runs.compactMap { if case .string(let id)? = $0["workflowId"] { id } else { nil } }
                if case .string(let next)? = reply.json["nextPageToken"] { token = next } else { token = nil }
                pages += 1
            } while token != nil && pages < 10
            #expect(pages == 2)
            #expect(seen.sorted() == ["order-1", "order-2", "order-3", "order-4"])
        }
    }

    @Test func aQueryNeverSeesAnotherNamespace() async throws {
        try await APIHarness.run(startWorker: false) { api in
            try await api.env.store.createNamespace("other")
            try await Self.start(api, "order-1", attributes: #"{"customer":"acme"}"#)
            try await Self.start(api, "theirs", attributes: #"{"customer":"acme"}"#, namespace: "other")
            #expect(try await Self.ids(api, "customer = 'acme'") == ["order-1"])
            #expect(try await Self.ids(api, "customer = 'acme' OR WorkflowId = 'theirs'") == ["order-1"])
            #expect(try await Self.ids(api, "customer = 'acme'", namespace: "other") == ["theirs"])
        }
    }

    @Test func theCLIPassesTheQueryThrough() async throws {
        try await APIHarness.run(startWorker: false) { api in
            try await Self.startFour(api)
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            let listed = try await reprise("workflow", "list", "--query", "customer IN ('acme', 'globex') AND score > 10", "-o", "json")
            #expect(listed.code == 0, "\(listed.err)")
            #expect(listed.json["workflows"]?.arrayValue.compactMap { if case .string(let id)? = $0["workflowId"] { id } else { nil } } == ["order-3"])
            let table = try await reprise("workflow", "list", "--query", "customer = '\(Self.hostile.replacingOccurrences(of: "'", with: "''"))'")
            #expect(table.code == 0 && table.out.contains("order-2") && !table.out.contains("order-1"), "\(table.out)\(table.err)")
            let malformed = try await reprise("workflow", "list", "--query", "customer = ")
            #expect(malformed.code != 0)
            #expect(malformed.err.contains("InvalidQuery") || malformed.err.contains("position 12: expected a value"), "\(malformed.err)")
        }
    }

    @Test func aWorkflowUpsertsAttributesThatAQueryFinds() async throws {
        try await APIHarness.run(workflows: [Waiter.self, StagedLead.self]) { api in
            for (id, company) in [("lead-1", "Acme"), ("lead-2", "Globex")] {
                let reply = try await api.send(.post, "\(Self.base)/workflows", body: #"{"workflowId":"\#(id)","type":"StagedLead","input":"\#(company)"}"#)
                #expect(reply.status == 201, "\(reply.text)")
            }
            try await api.env.waitUntil("both leads are new") { try await Self.ids(api, "stage = 'new'") == ["lead-1", "lead-2"] }
            #expect(try await Self.ids(api, "company = 'Acme'") == ["lead-1"])
            #expect(try await api.send(.post, "\(Self.base)/workflows/lead-1/signals/stage", body: #""qualified""#).status == 202)
            try await api.env.waitUntil("lead-1 is qualified") { try await Self.ids(api, "stage = 'qualified'") == ["lead-1"] }
            #expect(try await Self.ids(api, "stage = 'new'") == ["lead-2"], "the upsert replaced the stage")
            #expect(try await Self.ids(api, "company = 'Acme' AND qualifiedAt > '2000-01-01T00:00:00Z'") == ["lead-1"], "and kept the company")
            // The upserts are in the history as Temporal's event, after the task that made them.
            let history = try await api.env.history("lead-1")
            let upserts = history.compactMap { if case .upsertWorkflowSearchAttributes(let upsert) = $0.attributes { upsert } else { nil } }
            #expect(upserts.map(\.searchAttributes["stage"]) == [.string("new"), .string("qualified")])
            #expect(upserts.first?.searchAttributes["company"] == .string("Acme"))
            // The run closes; its attributes stay, and describe shows them.
            #expect(try await api.send(.post, "\(Self.base)/workflows/lead-1/signals/approve", body: #""ok""#).status == 202)
            try await api.env.waitUntil("lead-1 completes") { try await api.env.describe("lead-1").status == .completed }
            #expect(try await Self.ids(api, "stage = 'qualified' AND ExecutionStatus = 'Completed'") == ["lead-1"])
            let described = try await api.send(.get, "\(Self.base)/workflows/lead-1")
            #expect(described.json["searchAttributes"]?["company"] == .string("Acme"), "\(described.text)")
        }
    }
}

/// Upserts its company and stage, then a new stage when signalled one, then waits to be approved.
struct StagedLead: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        try context.upsertSearchAttributes(["company": .string(input), "stage": .string("new")])
        let stage = try await context.waitForSignal("stage", as: String.self) ?? ""
        try context.upsertSearchAttributes(["stage": .string(stage), "qualifiedAt": .time(context.now)])
        _ = try await context.waitForSignal("approve", as: String.self)
        return stage
    }
}

