import Foundation
import RepriseTesting
import Store
import Testing
import Workflow

/// `context.info`'s history length and size, and `continueAsNewSuggested` at the thresholds in
/// `Limits`, as recorded in each workflow task's `WorkflowTaskStarted`.
@Suite("Continue-as-new: the suggestion")
struct ContinueAsNewSuggestedTests {
    @Test func continueAsNewSuggestedTurnsTrueAtTheEventThreshold() async throws {
        let log = CallLog()
        var limits = Limits()
        limits.continueAsNewSuggestedEvents = 20
        try await TestEnvironment.run(workflows: [UntilSuggested.self], activities: [Greet(log: log)], limits: limits) { env in
            try await env.start(UntilSuggested.self, id: "suggested", input: 50)
            let seen = try await env.result(UntilSuggested.self, id: "suggested")
            let last = try #require(seen.last)
            #expect(last.suggested && last.length >= 20)
            #expect(seen.dropLast().allSatisfy { !$0.suggested && $0.length < 20 })
            #expect(seen.dropLast().count >= 2)
            // The lengths are the WorkflowTaskStarted event ids; the sizes grow with the history.
            let history = try await env.history("suggested")
            let startedIds = history.filter { $0.eventType == .workflowTaskStarted }.map { Int($0.eventId) }
            #expect(seen.map(\.length) == Array(startedIds.prefix(seen.count)))
            #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.size <= $1.size })
            let stored = Int(try await env.describe("suggested").historyBytes)
            #expect(last.size > 0 && last.size <= stored)
            // Replay reads the same answers from history.
            #expect(try WorkflowReplayer(registry: WorkflowRegistry([UntilSuggested.self])).replay(History(events: history)).isFinished)
        }
    }

    @Test func continueAsNewSuggestedTurnsTrueAtTheSizeThreshold() async throws {
        let log = CallLog()
        var limits = Limits()
        limits.continueAsNewSuggestedBytes = 3000
        try await TestEnvironment.run(workflows: [UntilSuggested.self], activities: [Greet(log: log)], limits: limits) { env in
            try await env.start(UntilSuggested.self, id: "by-size", input: 200)
            let seen = try await env.result(UntilSuggested.self, id: "by-size")
            let last = try #require(seen.last)
            #expect(last.suggested && last.size >= 3000)
            #expect(seen.dropLast().allSatisfy { !$0.suggested && $0.size < 3000 })
        }
    }
}
