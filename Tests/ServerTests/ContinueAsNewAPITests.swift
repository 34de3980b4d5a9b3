import Foundation
import RepriseTesting
import Testing
import TestSupport
import Workflow

/// Continues as new `left` times; the last run waits for `approve` when `wait` is set.
struct Relay: Workflow {
    struct Input: Codable, Sendable {
        var left: Int
        var wait: Bool
    }

    func run(context: WorkflowContext, input: Input) async throws -> String {
        if input.left > 0 { try await context.continueAsNew(input: Input(left: input.left - 1, wait: input.wait)) }
        guard input.wait else { return "relayed" }
        return "approved by \(try await context.waitForSignal("approve", as: String.self) ?? "-")"
    }
}

/// `describe` and `show` of a workflow id show the chain's latest run; `runId` an older one.
@Suite("Continue-as-new through the API and the CLI")
struct ContinueAsNewAPITests {
    let base = "/api/v1/namespaces/default"

    @Test func describeAndHistoryShowTheLatestRunAndRunIdAnOlderOne() async throws {
        try await APIHarness.run(workflows: [Relay.self]) { api in
            let started = try await api.send(.post, "\(base)/workflows", body: #"{"workflowId":"relay","type":"Relay","input":{"left":2,"wait":true}}"#)
            #expect(started.status == 201)
            let firstRunId = plain(started.json["runId"])
            try await api.env.waitUntil("the last run waits") { try await api.env.describe("relay").historyLength >= 4 }

            let latest = try await api.send(.get, "\(base)/workflows/relay")
            #expect(latest.json["status"] == .string("Running"))
            let latestRunId = plain(latest.json["runId"])
            #expect(latestRunId != firstRunId)
            let middleRunId = plain(latest.json["continuedExecutionRunId"])
            #expect(!middleRunId.isEmpty && middleRunId != firstRunId)

            let first = try await api.send(.get, "\(base)/workflows/relay?runId=\(firstRunId)")
            #expect(first.status == 200)
            #expect(first.json["status"] == .string("ContinuedAsNew"))
            #expect(plain(first.json["newExecutionRunId"]) == middleRunId)
            #expect(first.json["continuedExecutionRunId"] == nil)
            let middle = try await api.send(.get, "\(base)/workflows/relay?runId=\(middleRunId)")
            #expect(plain(middle.json["continuedExecutionRunId"]) == firstRunId)
            #expect(plain(middle.json["newExecutionRunId"]) == latestRunId)

            let history = try await api.send(.get, "\(base)/workflows/relay/history?runId=\(firstRunId)")
            let last = history.json["events"]?.arrayValue.last
            #expect(last?["eventType"] == .string("WorkflowExecutionContinuedAsNew"))
            // Event attributes spell run ids in lower case, as the run ids in the start event.
            #expect(plain(last?["attributes"]?["newExecutionRunId"]) == middleRunId.lowercased())
            let closeEvent = try await api.send(.get, "\(base)/workflows/relay/history?runId=\(firstRunId)&filter=close")
            #expect(closeEvent.json["events"]?.arrayValue.map { $0["eventType"] } == [.string("WorkflowExecutionContinuedAsNew")])
            let latestHistory = try await api.send(.get, "\(base)/workflows/relay/history")
            let firstEvent = latestHistory.json["events"]?.arrayValue.first
            #expect(plain(firstEvent?["attributes"]?["continuedExecutionRunId"]) == middleRunId.lowercased())
            #expect(plain(firstEvent?["attributes"]?["firstExecutionRunId"]) == firstRunId.lowercased())

            // A signal to the workflow id reaches the latest run; one to the old run is refused.
            let refused = try await api.send(.post, "\(base)/workflows/relay/signals/approve?runId=\(firstRunId)", body: #""old""#)
            #expect(refused.status == 409)
            #expect(try await api.send(.post, "\(base)/workflows/relay/signals/approve", body: #""ana""#).status == 202)
            try await api.env.waitUntil("the chain completes") { try await api.env.describe("relay").status == .completed }
            #expect(try await api.send(.get, "\(base)/workflows/relay").json["result"] == .string("approved by ana"))
            // Every run of the chain started at the same instant (the clock stands still) and all
            // are closed: the latest is still the one that continued nothing.
            let closedHistory = try await api.send(.get, "\(base)/workflows/relay/history")
            #expect(closedHistory.json["events"]?.arrayValue.last?["eventType"] == .string("WorkflowExecutionCompleted"))

            let listed = try await api.send(.get, "\(base)/workflows?status=ContinuedAsNew")
            #expect(listed.json["workflows"]?.arrayValue.count == 2)
            let unknown = try await api.send(.get, "\(base)/workflows/relay?runId=\(UUID().uuidString)")
            #expect(unknown.status == 404)
        }
    }

    @Test func theCLIDescribesAndShowsARunByRunIdAndExecuteFollowsTheChain() async throws {
        try await APIHarness.run(workflows: [Relay.self]) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            let executed = try await reprise("workflow", "execute", "--type", "Relay", "--workflow-id", "cli-relay", "--input", #"{"left":2,"wait":false}"#)
            #expect(executed.code == 0, "\(executed.err)")
            #expect(executed.out.components(separatedBy: "Continued as new: run").count == 3)
            #expect(executed.out.contains("status  Completed") && executed.out.contains("relayed"))

            let latest = try await reprise("workflow", "describe", "cli-relay")
            #expect(latest.out.contains("Completed") && latest.out.contains("continuedFrom"))
            let firstRunId = try #require(executed.out.components(separatedBy: "run ").dropFirst().first?.prefix(36)).description
            let first = try await reprise("workflow", "describe", "cli-relay", "--run-id", firstRunId)
            #expect(first.code == 0, "\(first.err)")
            #expect(first.out.contains("ContinuedAsNew") && first.out.contains("continuedAs"))
            #expect(!first.out.contains("continuedFrom"))
            let shown = try await reprise("workflow", "show", "cli-relay", "--run-id", firstRunId)
            #expect(shown.out.contains("WorkflowExecutionContinuedAsNew") && shown.out.contains("newRun="))
            #expect(shown.out.contains("continued as run"))
            let shownLatest = try await reprise("workflow", "show", "cli-relay")
            #expect(shownLatest.out.contains("WorkflowExecutionCompleted") && !shownLatest.out.contains("WorkflowExecutionContinuedAsNew"))
            #expect(shownLatest.out.contains("continuedFrom="))
            let bad = try await reprise("workflow", "describe", "cli-relay", "--run-id", "not-a-uuid")
            // The CLI checks it before any request: a usage error.
            #expect(bad.code == 64 && bad.err.contains("--run-id") && bad.err.contains("UUID"), "\(bad.err)")
        }
    }
}

/// A JSON value as plain text: a string's contents, or the compact JSON of anything else.
private func plain(_ value: JSONValue?) -> String {
    guard let value else { return "" }
    if case .string(let text) = value { return text }
    return value.compactDescription
}
