import Foundation
import RepriseTesting
import Testing
import Workflow

/// Waits twice for `s`, each wait with a timeout; returns what each got (-1 for a timeout).
private struct TwoTimedWaits: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> [Int] {
        let first = try await context.waitForSignal("s", as: Int.self, timeout: .seconds(10))
        let second = try await context.waitForSignal("s", as: Int.self, timeout: .seconds(10))
        return [first ?? -1, second ?? -1]
    }
}

@Suite("waitForSignal with a timeout")
struct SignalTimeoutTests {
    @Test func aSignalDeliveredWithTheTimeoutIsKeptForTheNextWait() async throws {
        let harness = try WorkflowHarness(TwoTimedWaits.self, input: 0)
        try harness.runWorkflowTask()
        // One workflow task sees both: the timer first (it wins, in history order), then the signal.
        harness.builder.fireTimer("1")
        harness.builder.signal("s", input: .int(5))
        #expect(try await harness.result(TwoTimedWaits.self) == [-1, 5])
        // The second wait took the kept signal at once: it started no timer of its own.
        #expect(harness.history.filter { $0.eventType == .timerStarted }.count == 1)
        // And a replay decides the same.
        #expect(try harness.replayFromScratch().isFinished)
    }
}
