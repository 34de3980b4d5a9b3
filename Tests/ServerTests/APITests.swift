import Foundation
import Hummingbird
import RepriseTesting
@testable import Server
import Store
import Testing
import Workflow
import _ConnectionPoolModule

@Suite("HTTP API")
struct APITests {
    let base = "/api/v1/namespaces/default"

    /// With Postgres down, a start waits for its statement's timeout and other requests for the
    /// pool to give up connecting; both must reach the client as a 503 that says to retry, not
    /// as an internal error (as they did, seen by stopping `reprise dev`'s Postgres).
    @Test func anUnreachableDatabaseIsA503ThatSaysToRetry() {
        let unavailable: [any Error] = [
            AbandonedOperationError(timeout: .seconds(30)), ConnectionPoolError.connectionCreationCircuitBreakerTripped,
        ]
        for error in unavailable {
            let answer = APIError.from(error)
            #expect(answer.status == .serviceUnavailable, "\(error)")
            #expect(answer.code == "DatabaseUnavailable")
            #expect(answer.message.contains("retry"))
        }
        #expect(APIError.from(StoreError(.workflowNotFound, "gone")).status == .notFound)
        #expect(APIError.from(CancellationError()).status == .internalServerError)
    }

    @Test func aLongPollForTheCloseEventAnswersWhenTheRunCloses() async throws {
        try await APIHarness.run { api in
            #expect(try await api.send(.post, "\(base)/workflows", body: #"{"workflowId":"c1","type":"Waiter","input":"x"}"#).status == 201)
            let open = try await api.send(.get, "\(base)/workflows/c1/history?filter=close")
            #expect(open.status == 200)
            #expect(open.json["events"] == .array([]), "an open run has no close event")
            // The test client sends one request at a time, so the signal that ends the run goes to
            // the store while the long-poll waits.
            async let waited = api.send(.get, "\(base)/workflows/c1/history?wait=true&filter=close")
            try await api.env.store.signal(namespace: "default", workflowId: "c1", name: "approve", input: .string("yes"), at: api.env.clock.now)
            let closed = try await waited
            guard case .array(let events)? = closed.json["events"] else { throw TestEnvironmentError(message: closed.text) }
            #expect(events.count == 1)
            #expect(events.first?["eventType"] == .string("WorkflowExecutionCompleted"))
            #expect(events.first?["attributes"]?["result"] == .string("x: yes"))
            let bad = try await api.send(.get, "\(base)/workflows/c1/history?filter=all")
            #expect(bad.status == 400)
            #expect(bad.json["error"]?["message"].map { $0.compactDescription.contains("filter must be close") } == true)
        }
    }

    @Test func closingARunWakesTheLongPollsWaitingOnIt() async throws {
        try await APIHarness.run { api in
            let started = try await api.send(.post, "\(base)/workflows", body: #"{"workflowId":"c2","type":"Waiter","input":"x"}"#)
            guard case .string(let text)? = started.json["runId"], let runId = UUID(uuidString: text) else {
                throw TestEnvironmentError(message: started.text)
            }
            let begin = ContinuousClock.now
            let terminated = try await api.server.historyWatch.watching(runId) { (closed: Wakeup) async throws -> Int in
                let reply = try await api.send(.post, "\(base)/workflows/c2/terminate", body: #"{"reason":"test"}"#)
                // The engine's NOTIFY rings this wakeup long before its timeout.
                await closed.wait(timeout: .seconds(120))
                return reply.status
            }
            #expect(terminated == 202)
            #expect(ContinuousClock.now - begin < .seconds(60))
        }
    }

    @Test func startDescribeSignalHistoryAndList() async throws {
        try await APIHarness.run { api in
            let started = try await api.send(.post, "\(base)/workflows", body: #"{"workflowId":"w1","type":"Waiter","input":"order-7"}"#)
            #expect(started.status == 201)
            let runId = started.json["runId"]
            #expect(runId != nil && started.json["workflowId"] == .string("w1"))

            let repeated = try await api.send(
                .post, "\(base)/workflows", body: #"{"workflowId":"w1","type":"Waiter","idConflictPolicy":"UseExisting"}"#)
            #expect(repeated.status == 200)
            #expect(repeated.json["runId"] == runId)
            let conflict = try await api.send(.post, "\(base)/workflows", body: #"{"workflowId":"w1","type":"Waiter"}"#)
            #expect(conflict.status == 409)
            #expect(conflict.json["error"]?["code"] == .string("WorkflowExecutionAlreadyStarted"))

            let described = try await api.send(.get, "\(base)/workflows/w1")
            #expect(described.status == 200)
            #expect(described.json["status"] == .string("Running"))
            #expect(described.json["type"] == .string("Waiter"))
            #expect(described.json["taskQueue"] == .string("main"))

            // Long-poll the history: it returns once the first workflow task completes.
            let waited = try await api.send(.get, "\(base)/workflows/w1/history?wait=true&afterEventId=2")
            #expect(waited.status == 200)
            guard case .array(let events)? = waited.json["events"], case .object(let first)? = events.first else {
                Issue.record("no events: \(waited.text)")
                return
            }
            #expect(first["eventId"] == .int(3))
            #expect(first["eventType"] == .string("WorkflowTaskStarted"))

            let signaled = try await api.send(.post, "\(base)/workflows/w1/signals/approve", body: #""yes""#)
            #expect(signaled.status == 202)
            try await api.env.waitUntil("w1 completes") { try await api.env.describe("w1").status == .completed }
            let closed = try await api.send(.get, "\(base)/workflows/w1")
            #expect(closed.json["result"] == .string("order-7: yes"))
            let history = try await api.send(.get, "\(base)/workflows/w1/history")
            guard case .array(let all)? = history.json["events"] else { throw TestEnvironmentError(message: history.text) }
            #expect(all.contains { $0["eventType"] == .string("WorkflowExecutionSignaled") && $0["attributes"]?["signalName"] == .string("approve") })
            #expect(all.last?["eventType"] == .string("WorkflowExecutionCompleted"))

            let late = try await api.send(.post, "\(base)/workflows/w1/signals/approve", body: #""again""#)
            #expect(late.status == 409)
            #expect(late.json["error"]?["message"].map { $0.compactDescription.contains("Completed") } == true)

            for id in ["w2", "w3", "w4"] {
                #expect(try await api.send(.post, "\(base)/workflows", body: #"{"workflowId":"\#(id)","type":"Waiter","input":"x"}"#).status == 201)
            }
            let page = try await api.send(.get, "\(base)/workflows?status=Running&type=Waiter&limit=2")
            #expect(page.status == 200)
            guard case .array(let firstPage)? = page.json["workflows"], case .string(let token)? = page.json["nextPageToken"] else {
                Issue.record("expected a page and a token: \(page.text)")
                return
            }
            #expect(firstPage.count == 2)
            let next = try await api.send(.get, "\(base)/workflows?status=Running&type=Waiter&limit=2&pageToken=\(token)")
            guard case .array(let secondPage)? = next.json["workflows"] else { throw TestEnvironmentError(message: next.text) }
            #expect(secondPage.count == 1)
            #expect(next.json["nextPageToken"] == nil || next.json["nextPageToken"] == .null)
            let completed = try await api.send(.get, "\(base)/workflows?status=Completed")
            #expect(completed.json["workflows"].map { if case .array(let a) = $0 { return a.count } else { return -1 } } == 1)
        }
    }

    @Test func cancelTerminateAndUnknownIds() async throws {
        try await APIHarness.run { api in
            #expect(try await api.send(.post, "\(base)/workflows", body: #"{"workflowId":"c1","type":"Waiter","input":"x"}"#).status == 201)
            #expect(try await api.send(.post, "\(base)/workflows/c1/cancel").status == 202)
            try await api.env.waitUntil("c1 is canceled") { try await api.env.describe("c1").status == .canceled }
            #expect(try await api.send(.post, "\(base)/workflows/c1/cancel").status == 409)

            #expect(try await api.send(.post, "\(base)/workflows", body: #"{"workflowId":"t1","type":"Waiter","input":"x"}"#).status == 201)
            let terminated = try await api.send(.post, "\(base)/workflows/t1/terminate", body: #"{"reason":"fraud"}"#)
            #expect(terminated.status == 202)
            #expect(try await api.send(.get, "\(base)/workflows/t1").json["status"] == .string("Terminated"))
            #expect(try await api.send(.post, "\(base)/workflows/t1/terminate", body: "{}").status == 409)

            let missing = try await api.send(.get, "\(base)/workflows/nope")
            #expect(missing.status == 404)
            #expect(missing.json["error"]?["code"] == .string("WorkflowNotFound"))
            #expect(try await api.send(.post, "\(base)/workflows/nope/signals/x", body: "1").status == 404)
            #expect(try await api.send(.post, "\(base)/workflows/nope/cancel").status == 404)
            #expect(try await api.send(.get, "\(base)/workflows/nope/history").status == 404)
        }
    }

    @Test func deadLettersThroughTheAPI() async throws {
        try await APIHarness.run(skipTime: true) { api in
            for (id, amount) in [("d1", -1), ("d2", -2), ("d3", -3)] {
                #expect(try await api.send(.post, "\(base)/workflows", body: #"{"workflowId":"\#(id)","type":"Charger","input":\#(amount)}"#).status == 201)
            }
            var letters: [JSONValue] = []
            try await api.env.waitUntil("three dead letters") {
                let reply = try await api.send(.get, "\(base)/dead-letters")
                if case .array(let array)? = reply.json["deadLetters"] { letters = array }
                return letters.count == 3
            }
            func letter(_ workflowId: String) -> String {
                for letter in letters where letter["workflowId"] == .string(workflowId) {
                    if case .string(let id)? = letter["id"] { return id }
                }
                return "missing"
            }
            let shown = try await api.send(.get, "\(base)/dead-letters/\(letter("d1"))")
            #expect(shown.status == 200)
            #expect(shown.json["activityType"] == .string("Charge"))
            #expect(shown.json["lastFailure"]?["type"] == .string("Declined"))
            #expect(shown.json["attempts"] == .int(1))

            #expect(try await api.send(.post, "\(base)/dead-letters/\(letter("d1"))/retry", body: #"{"input":10}"#).status == 200)
            #expect(try await api.send(.post, "\(base)/dead-letters/\(letter("d2"))/fail", body: #"{"message":"card blocked"}"#).status == 200)
            #expect(try await api.send(.post, "\(base)/dead-letters/\(letter("d3"))/resolve", body: #"{"result":"paid by hand"}"#).status == 200)
            #expect(try await api.send(.post, "\(base)/dead-letters/\(letter("d3"))/resolve", body: #"{"result":"twice"}"#).status == 409)
            #expect(try await api.send(.post, "\(base)/dead-letters/\(UUID())/retry", body: "{}").status == 404)

            #expect(try await api.env.result(Charger.self, id: "d1") == "charged 10")
            #expect(try await api.env.waitForClose("d2").failure?.cause?.message == "card blocked")
            #expect(try await api.env.result(Charger.self, id: "d3") == "paid by hand")
        }
    }

    @Test func authenticationAndRoles() async throws {
        try await APIHarness.run { api in
            #expect(try await api.send(.post, "/api/v1/namespaces", body: #"{"name":"team-b","retentionDays":3}"#).status == 201)
            let reader = try await api.token("default", "reader")
            let writer = try await api.token("default", "writer")
            let operatorToken = try await api.token("default", "operator")
            let otherNamespace = try await api.token("team-b", "operator")

            let noToken = try await api.send(.get, "\(base)/workflows", token: .some(nil))
            #expect(noToken.status == 401)
            #expect(noToken.json["error"]?["code"] == .string("Unauthorized"))
            #expect(try await api.send(.get, "\(base)/workflows", token: "rp_not-a-token").status == 401)

            #expect(try await api.send(.get, "\(base)/workflows", token: reader).status == 200)
            let readerStart = try await api.send(.post, "\(base)/workflows", token: reader, body: #"{"workflowId":"a1","type":"Waiter"}"#)
            #expect(readerStart.status == 403)
            #expect(readerStart.json["error"]?["code"] == .string("Forbidden"))
            #expect(try await api.send(.post, "\(base)/workflows", token: writer, body: #"{"workflowId":"a1","type":"Waiter","input":"x"}"#).status == 201)
            #expect(try await api.send(.post, "\(base)/workflows/a1/terminate", token: writer, body: "{}").status == 403)
            #expect(try await api.send(.get, "\(base)/dead-letters", token: reader).status == 200)
            #expect(try await api.send(.post, "\(base)/dead-letters/\(UUID())/fail", token: writer, body: "{}").status == 403)
            #expect(try await api.send(.post, "\(base)/workflows/a1/terminate", token: operatorToken, body: "{}").status == 202)

            // A token for team-b sees default as a namespace that does not exist.
            let crossed = try await api.send(.get, "\(base)/workflows/a1", token: otherNamespace)
            #expect(crossed.status == 404)
            #expect(crossed.json["error"]?["code"] == .string("NamespaceNotFound"))
            #expect(try await api.send(.get, "/api/v1/namespaces/team-b/workflows", token: otherNamespace).status == 200)
            #expect(try await api.send(.get, "/api/v1/namespaces/nowhere/workflows").status == 404)
            // A start finds out in its own statement.
            let nowhere = try await api.send(.post, "/api/v1/namespaces/nowhere/workflows", body: #"{"workflowId":"n1","type":"Waiter"}"#)
            #expect(nowhere.status == 404)
            #expect(nowhere.json["error"]?["code"] == .string("NamespaceNotFound"))

            // Admin routes need the admin role.
            #expect(try await api.send(.post, "/api/v1/namespaces", token: operatorToken, body: #"{"name":"x"}"#).status == 403)
            #expect(try await api.send(.post, "\(base)/tokens", token: operatorToken, body: #"{"role":"reader"}"#).status == 403)
            let listed = try await api.send(.get, "/api/v1/namespaces")
            #expect(listed.status == 200)
            #expect(listed.text.contains("team-b"))
        }
    }

    @Test func healthMetricsAndOpenAPICoverEveryRoute() async throws {
        try await APIHarness.run { api in
            #expect(try await api.send(.get, "/healthz", token: .some(nil)).json["status"] == .string("ok"))
            #expect(try await api.send(.get, "/readyz", token: .some(nil)).status == 200)
            _ = try await api.send(.get, "\(base)/workflows")
            let metrics = try await api.send(.get, "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.text.contains("reprise_http_requests_total"))
            let document = try await api.send(.get, "/openapi.json", token: .some(nil))
            #expect(document.json["openapi"] == .string("3.1.0"))
            guard case .object(let paths)? = document.json["paths"] else { throw TestEnvironmentError(message: document.text) }
            #expect(paths.count == Set(OpenAPIDocument.operations.map(\.path)).count)
            // Every documented operation exists: without a token it is refused or served, never unrouted.
            for operation in OpenAPIDocument.operations {
                let path = operation.path.replacingOccurrences(of: "{ns}", with: "default")
                    .replacingOccurrences(of: "{workflowId}", with: "w").replacingOccurrences(of: "{signalName}", with: "s").replacingOccurrences(of: "{queryName}", with: "q").replacingOccurrences(of: "{updateName}", with: "u")
                    .replacingOccurrences(of: "{id}", with: UUID().uuidString).replacingOccurrences(of: "{scheduleId}", with: "s")
                    .replacingOccurrences(of: "{source}", with: "stripe")
                let method: HTTPRequest.Method = switch operation.method {
                case "get": .get
                case "delete": .delete
                default: .post
                }
                let reply = try await api.send(method, path, token: .some(nil), body: "{}")
                #expect(![404, 405].contains(reply.status) || reply.json["error"]?["code"] != .string("RouteNotFound"), "\(operation.method) \(path)")
                if operation.role != nil { #expect(reply.status == 401, "\(operation.method) \(path) must need a token") }
            }
            let unknown = try await api.send(.get, "/api/v1/nothing-here")
            #expect(unknown.status == 404)
            #expect(unknown.json["error"]?["code"] == .string("RouteNotFound"))
        }
    }
}
