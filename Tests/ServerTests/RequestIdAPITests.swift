import Foundation
import HTTPTypes
import RepriseTesting
import Server
import Store
import Testing
import TestSupport
import Workflow

@Suite("HTTP API: request ids")
struct RequestIdAPITests {
    let base = "/api/v1/namespaces/default"

    @Test func aRepeatedStartAfterCompletionUnderAllowDuplicateAnswersTheFirstRun() async throws {
        try await APIHarness.run { api in
            let body = #"{"workflowId":"w","type":"Waiter","input":"x","idReusePolicy":"AllowDuplicate","requestId":"start-1"}"#
            let first = try await api.send(.post, "\(base)/workflows", body: body)
            #expect(first.status == 201)
            #expect(try await api.send(.post, "\(base)/workflows/w/signals/approve", body: #""yes""#).status == 202)
            #expect(try await api.env.waitForClose("w").status == .completed)
            let repeated = try await api.send(.post, "\(base)/workflows", body: body)
            #expect(repeated.status == 200)
            #expect(repeated.json["runId"] == first.json["runId"])
            #expect(try await runCount(api) == 1)
            // The id may come as a header too.
            let bare = #"{"workflowId":"w","type":"Waiter","input":"x"}"#
            let byHeader = try await api.send(.post, "\(base)/workflows", body: bare, headers: [Self.requestId: "start-1"])
            #expect(byHeader.status == 200)
            #expect(byHeader.json["runId"] == first.json["runId"])
            // A different request id starts a second run, as a start without one does.
            let other = try await api.send(.post, "\(base)/workflows", body: body.replacingOccurrences(of: "start-1", with: "start-2"))
            #expect(other.status == 201)
            #expect(other.json["runId"] != first.json["runId"])
            #expect(try await runCount(api) == 2)
        }
    }

    /// No worker: the run stays open until the test terminates it.
    @Test func aSignalWithARequestIdIsDeliveredOnceAndItsRepeatAfterTheCloseIsA202() async throws {
        try await APIHarness.run(startWorker: false) { api in
            #expect(try await api.send(.post, "\(base)/workflows", body: #"{"workflowId":"w","type":"Waiter","input":"x"}"#).status == 201)
            let signal = "\(base)/workflows/w/signals/approve"
            #expect(try await api.send(.post, signal, body: #""yes""#, headers: [Self.requestId: "signal-1"]).status == 202)
            #expect(try await api.send(.post, "\(signal)?requestId=signal-1", body: #""yes""#).status == 202)
            #expect(try await signalCount(api) == 1)
            #expect(try await api.send(.post, "\(base)/workflows/w/terminate", body: "{}").status == 202)
            let closed = try await api.send(.get, "\(base)/workflows/w/history")
            #expect(try await api.send(.post, signal, body: #""yes""#, headers: [Self.requestId: "signal-1"]).status == 202)
            #expect(try await api.send(.get, "\(base)/workflows/w/history").json == closed.json)
            // Another request id to the closed run is refused as before.
            let late = try await api.send(.post, signal, body: #""yes""#, headers: [Self.requestId: "signal-2"])
            #expect(late.status == 409)
        }
    }

    @Test func badRequestIdsAre400sThatNameTheField() async throws {
        try await APIHarness.run(startWorker: false) { api in
            let long = String(repeating: "r", count: 1001)
            let starts = [#""""#, #""a\u0001b""#, "\"\(long)\""]
            for requestId in starts {
                let reply = try await api.send(
                    .post, "\(base)/workflows", body: #"{"workflowId":"w","type":"Waiter","input":"x","requestId":\#(requestId)}"#)
                #expect(reply.status == 400, "\(requestId.prefix(20)): \(reply.text)")
                #expect(reply.text.contains("requestId"))
            }
            #expect(try await api.send(.post, "\(base)/workflows", body: #"{"workflowId":"w","type":"Waiter","input":"x"}"#).status == 201)
            let signal = "\(base)/workflows/w/signals/approve"
            let signals: [(String, HTTPFields)] = [
                ("\(signal)?requestId=", [:]), ("\(signal)?requestId=a%0Ab", [:]), ("\(signal)?requestId=\(long)", [:]),
                (signal, [Self.requestId: long]), ("\(signal)?requestId=one", [Self.requestId: "two"]),
            ]
            for (path, headers) in signals {
                let reply = try await api.send(.post, path, body: #""yes""#, headers: headers)
                #expect(reply.status == 400, "\(path.prefix(80)): \(reply.text)")
                #expect(reply.text.contains("requestId"))
            }
            #expect(try await signalCount(api) == 0)
        }
    }

    @Test func theCLIsRequestIdOptionMakesARepeatedStartAndSignalTakeEffectOnce() async throws {
        try await APIHarness.run(startWorker: false) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            let start = ["workflow", "start", "--type", "Waiter", "--workflow-id", "w", "--input", #""x""#, "--request-id", "cli-1", "-o", "json"]
            let first = try await reprise.run(start, client: true)
            let repeated = try await reprise.run(start, client: true)
            #expect(first.code == 0 && repeated.code == 0, "\(first.err) \(repeated.err)")
            #expect(repeated.json["runId"] == first.json["runId"])
            for _ in 0..<2 {
                let signaled = try await reprise("workflow", "signal", "w", "--name", "approve", "--input", #""yes""#, "--request-id", "cli-1")
                #expect(signaled.code == 0, "\(signaled.err)")
            }
            #expect(try await signalCount(api) == 1)
        }
    }

    static let requestId = HTTPField.Name("Request-Id")!

    private func runCount(_ api: APIHarness) async throws -> Int {
        try await api.env.store.listWorkflows(namespace: "default").workflows.filter { $0.workflowId == "w" }.count
    }

    private func signalCount(_ api: APIHarness) async throws -> Int {
        try await api.env.history("w").filter { $0.eventType == .workflowExecutionSignaled }.count
    }
}
