import AsyncHTTPClient
import Foundation
import NIOCore
import RepriseTesting
import Store
import Testing
import Workflow

@testable import Server

/// `POST …/workflows/{id}/signal-with-start` over real HTTP on real Postgres.
@Suite struct SignalWithStartTests {
    static let base = "/api/v1/namespaces/default"

    /// Twenty callers race on one workflow id over their own connections: one run between them,
    /// started by exactly one, and twenty signals in its history, the first right after its start.
    @Test func twentyConcurrentCallersGetOneRunAndEverySignalOnce() async throws {
        try await APIHarness.run { api in
            let port = try #require(api.client.port)
            let auth = ("Authorization", "Bearer \(api.adminToken)")
            // One connection per caller, and patience for a loaded machine: the race is the point.
            var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(60), read: .seconds(60)))
            configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 20
            let answers = try await HTTPClient.withHTTPClient(configuration: configuration) { http in
                try await withThrowingTaskGroup(of: (Int, JSONValue).self) { group in
                    for caller in 0..<20 {
                        group.addTask {
                            let body = #"{"type":"Waiter","input":"x","signalName":"ping","signalInput":\#(caller)}"#
                            let answer = try await RealHTTP(http, port: port).send(
                                .POST, "\(Self.base)/workflows/race/signal-with-start", headers: [auth, ("Content-Type", "application/json")],
                                body: Array(body.utf8), timeout: .seconds(90))
                            let json = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: answer.body))
                            return (answer.code, json)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(answers.count == 20)
            #expect(answers.filter { $0.0 == 201 }.count == 1, "one caller started the run: \(answers.map(\.0))")
            #expect(answers.filter { $0.0 == 200 }.count == 19, "the others signalled it")
            #expect(answers.filter { $0.1["started"] == .bool(true) }.count == 1)
            let runIds = Set(answers.map { $0.1["runId"] })
            #expect(runIds.count == 1, "one run between them: \(runIds)")
            let runs = try await api.env.store.listWorkflows(namespace: "default", status: nil, type: nil, query: nil, limit: 100, pageToken: nil)
            #expect(runs.workflows.filter { $0.workflowId == "race" }.count == 1)

            let history = try await api.env.history("race")
            let signals = history.compactMap { event -> JSONValue? in
                guard case .workflowExecutionSignaled(let signal) = event.attributes else { return nil }
                return signal.input
            }
            #expect(signals.count == 20, "every signal once")
            #expect(Set(signals) == Set((0..<20).map { JSONValue.int(Int64($0)) }))
            #expect(history[0].eventType == .workflowExecutionStarted)
            #expect(history[1].eventType == .workflowExecutionSignaled, "the starting caller's signal is the run's first event after its start")
        }
    }

    /// An open run is signalled, not replaced: the same run id, 200, and the signal in its history.
    @Test func anOpenRunIsSignalledAndNoRunIsStarted() async throws {
        try await APIHarness.run { api in
            let started = try await api.send(.post, "\(Self.base)/workflows", body: #"{"workflowId":"open","type":"Waiter","input":"x"}"#)
            #expect(started.status == 201)
            let reply = try await api.send(
                .post, "\(Self.base)/workflows/open/signal-with-start", body: #"{"type":"Waiter","signalName":"approve","signalInput":"yes"}"#)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["started"] == .bool(false))
            #expect(reply.json["runId"] == started.json["runId"])
            try await api.env.waitUntil("the run completes with the signal") {
                try await api.env.describe("open").status == .completed
            }
            #expect(try await api.env.describe("open").result == .string("x: yes"))
            let runs = try await api.env.store.listWorkflows(namespace: "default", status: nil, type: nil, query: nil, limit: 100, pageToken: nil)
            #expect(runs.workflows.filter { $0.workflowId == "open" }.count == 1)
        }
    }

    /// A closed run's id starts a new run (the default id-reuse policy), whose first signal is this one;
    /// `RejectDuplicate` refuses it.
    @Test func aClosedRunsIdStartsANewRunUnlessItsPolicyRefuses() async throws {
        try await APIHarness.run { api in
            let first = try await api.send(
                .post, "\(Self.base)/workflows/again/signal-with-start", body: #"{"type":"Waiter","input":"a","signalName":"approve","signalInput":"1"}"#)
            #expect(first.status == 201, "\(first.text)")
            try await api.env.waitUntil("the first run completes") { try await api.env.describe("again").status == .completed }
            let refused = try await api.send(
                .post, "\(Self.base)/workflows/again/signal-with-start",
                body: #"{"type":"Waiter","input":"b","signalName":"approve","signalInput":"2","idReusePolicy":"RejectDuplicate"}"#)
            #expect(refused.status == 409, "\(refused.text)")
            let second = try await api.send(
                .post, "\(Self.base)/workflows/again/signal-with-start", body: #"{"type":"Waiter","input":"b","signalName":"approve","signalInput":"2"}"#)
            #expect(second.status == 201)
            #expect(second.json["runId"] != first.json["runId"])
            guard case .string(let text)? = second.json["runId"], let runId = UUID(uuidString: text) else {
                Issue.record("no run id: \(second.text)")
                return
            }
            // By run id: the test clock may give both runs one start time.
            try await api.env.waitUntil("the second run completes") {
                try await api.env.store.describe(namespace: "default", workflowId: "again", runId: runId).result == .string("b: 2")
            }
        }
    }

    /// Bad bodies are 400s naming the field; no token is a 401; a reader's token a 403.
    @Test func badRequestsAreRefusedClearly() async throws {
        try await APIHarness.run { api in
            let path = "\(Self.base)/workflows/bad/signal-with-start"
            let missingSignal = try await api.send(.post, path, body: #"{"type":"Waiter"}"#)
            #expect(missingSignal.status == 400 && missingSignal.text.contains("signalName"), "\(missingSignal.text)")
            #expect(try await api.send(.post, path, body: #"{"type":"","signalName":"s"}"#).status == 400)
            #expect(try await api.send(.post, path, body: #"{"type":"Waiter","signalName":"a\u0001b"}"#).status == 400)
            #expect(try await api.send(.post, path, body: #"{"type":"Waiter","signalName":"s","executionTimeout":-1}"#).status == 400)
            #expect(try await api.send(.post, path, body: "not json").status == 400)
            #expect(try await api.send(.post, path, token: .some(nil), body: #"{"type":"Waiter","signalName":"s"}"#).status == 401)
            let reader = try await api.token("default", "reader")
            #expect(try await api.send(.post, path, token: .some(reader), body: #"{"type":"Waiter","signalName":"s"}"#).status == 403)
            #expect(try await api.send(.post, "/api/v1/namespaces/nope/workflows/x/signal-with-start", body: #"{"type":"Waiter","signalName":"s"}"#).status == 404)
        }
    }
}
