import Foundation
import RepriseTesting
import Server
import Store
import Testing
import Workflow

@Suite("HTTP API: limits on what runs grow")
struct RunLimitsAPITests {
    let base = "/api/v1/namespaces/default"

    /// No worker runs, so no workflow task sees the signals: the third is one too many.
    @Test func aSignalBeyondThePendingLimitIsA429AndDescribeShowsTheHistoryAndItsWarnings() async throws {
        var limits = Limits()
        limits.maxPendingSignals = 2
        limits.historyWarningEvents = 4
        try await APIHarness.run(startWorker: false, limits: limits) { api in
            #expect(try await api.send(.post, "\(base)/workflows", body: #"{"workflowId":"w","type":"Waiter","input":"x"}"#).status == 201)
            let quiet = try await api.send(.get, "\(base)/workflows/w")
            // No worker runs, so the run may also be warned that none serves it (WorkersAPITests).
            #expect(historyWarnings(quiet).isEmpty)
            #expect(quiet.json["historyBytes"].map { if case .int(let bytes) = $0 { bytes > 0 } else { false } } == true)
            for _ in 0..<2 { #expect(try await api.send(.post, "\(base)/workflows/w/signals/ping", body: "1").status == 202) }
            let refused = try await api.send(.post, "\(base)/workflows/w/signals/ping", body: "1")
            #expect(refused.status == 429)
            #expect(refused.json["error"]?["code"] == .string("TooManyPendingSignals"))
            #expect(refused.json["error"]?["message"].map { $0.compactDescription.contains("the limit is 2") } == true)
            let described = try await api.send(.get, "\(base)/workflows/w")
            let warnings = historyWarnings(described)
            #expect(warnings.count == 1, "\(described.text)")
            #expect(warnings.first?.contains("4 events") == true)
        }
    }

    /// The warnings about the history's size.
    private func historyWarnings(_ reply: APIHarness.Reply) -> [String] {
        (reply.json["warnings"]?.arrayValue ?? []).compactMap { if case .string(let text) = $0 { text } else { nil } }
            .filter { $0.contains("the history") }
    }
}
