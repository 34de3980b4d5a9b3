import Foundation
import RepriseTesting
import Store
import Testing
import Workers
import Workflow

@Suite("Retries and dead letters")
struct RetryAndDeadLetterTests {
    func input(failures: Int, errorType: String = "Transient", deadLetter: Bool = false, maximumAttempts: Int = 5)
        -> RetryPolicyWorkflow.Input
    {
        .init(failures: failures, errorType: errorType, deadLetter: deadLetter, maximumAttempts: maximumAttempts)
    }

    @Test func failsTwiceThenSucceedsWithBackoffSpacing() async throws {
        let log = CallLog()
        let clockBox = Shared<VirtualClock?>(nil)
        let flaky = Flaky(log: log) { clockBox.value?.now ?? Date() }
        try await TestEnvironment.run(workflows: [RetryPolicyWorkflow.self], activities: [flaky]) { env in
            clockBox.update { $0 = env.clock }
            try await env.start(RetryPolicyWorkflow.self, id: "flaky", input: input(failures: 2))
            #expect(try await env.result(RetryPolicyWorkflow.self, id: "flaky") == "succeeded on 3")
            #expect(log.attempts("Flaky") == [1, 2, 3])
            let times = flaky.times.value
            #expect(times.count == 3)
            // Backoff 1 s, then 2 s, under the virtual clock.
            #expect(abs(times[1].timeIntervalSince(times[0]) - 1) < 0.01)
            #expect(abs(times[2].timeIntervalSince(times[1]) - 2) < 0.01)
            let history = try await env.history("flaky")
            let completed = history.filter { $0.eventType == .activityTaskCompleted }
            #expect(completed.count == 1)
            let started = history.compactMap { event -> Int? in
                if case .activityTaskStarted(let attributes) = event.attributes { return attributes.attempt }
                return nil
            }
            #expect(started == [3])
            #expect(!history.contains { $0.eventType == .activityTaskFailed })
        }
    }

    @Test func nonRetryableErrorTypeStopsRetriesAtOnce() async throws {
        let log = CallLog()
        try await TestEnvironment.run(workflows: [RetryPolicyWorkflow.self], activities: [Flaky(log: log) { Date() }]) { env in
            try await env.start(RetryPolicyWorkflow.self, id: "fatal", input: input(failures: 5, errorType: "Fatal"))
            let result = try await env.result(RetryPolicyWorkflow.self, id: "fatal")
            #expect(result == "compensated after Fatal: attempt 1 failed")
            #expect(log.attempts("Flaky") == [1])
        }
    }

    @Test func exhaustedAttemptsDeadLetterThenRetryCompletes() async throws {
        let log = CallLog()
        try await TestEnvironment.run(workflows: [RetryPolicyWorkflow.self], activities: [Flaky(log: log) { Date() }]) { env in
            try await env.start(RetryPolicyWorkflow.self, id: "dlq-retry", input: input(failures: 3, deadLetter: true, maximumAttempts: 3))
            let letters = try await waitForDeadLetter(env, workflowId: "dlq-retry")
            #expect(letters.attempts == 3)
            #expect(letters.lastFailure.message == "attempt 3 failed")
            // The workflow keeps waiting; describe shows the parked activity.
            let description = try await env.describe("dlq-retry")
            #expect(description.status == .running)
            #expect(description.pendingActivities.first?.state == "DeadLettered")
            // Fresh attempts: attempt 1 of the retry fails (failures: 3 counts attempt numbers), so
            // retry with new input that cannot fail.
            try await env.store.retryDeadLetter(
                namespace: env.namespace, id: letters.id, input: try Payload(encoding: Flaky.Input(failures: 0, errorType: "Transient")),
                identity: "operator", at: env.clock.now)
            #expect(try await env.result(RetryPolicyWorkflow.self, id: "dlq-retry") == "succeeded on 1")
            let types = try await env.history("dlq-retry").map(\.eventType)
            #expect(types.contains(.activityTaskDeadLettered))
            #expect(types.contains(.activityTaskDeadLetterRetried))
            let handled = try await env.store.deadLetter(namespace: env.namespace, id: letters.id)
            #expect(handled.state == "Retried")
            // A second operator action on the same letter is refused.
            await #expect(throws: StoreError.self) {
                try await env.store.resolveDeadLetter(namespace: env.namespace, id: letters.id, result: .string("x"), at: env.clock.now)
            }
        }
    }

    @Test func deadLetterFailDeliversTheFailureAndTheWorkflowCompensates() async throws {
        let log = CallLog()
        try await TestEnvironment.run(workflows: [RetryPolicyWorkflow.self], activities: [Flaky(log: log) { Date() }]) { env in
            try await env.start(RetryPolicyWorkflow.self, id: "dlq-fail", input: input(failures: 9, deadLetter: true, maximumAttempts: 2))
            let letter = try await waitForDeadLetter(env, workflowId: "dlq-fail")
            try await env.store.failDeadLetter(
                namespace: env.namespace, id: letter.id, message: "card is blocked", identity: "operator", at: env.clock.now)
            #expect(try await env.result(RetryPolicyWorkflow.self, id: "dlq-fail") == "compensated after DeadLetterFailed: card is blocked")
        }
    }

    @Test func deadLetterResolveHandsTheWorkflowTheGivenResult() async throws {
        let log = CallLog()
        try await TestEnvironment.run(workflows: [RetryPolicyWorkflow.self], activities: [Flaky(log: log) { Date() }]) { env in
            try await env.start(RetryPolicyWorkflow.self, id: "dlq-resolve", input: input(failures: 9, deadLetter: true, maximumAttempts: 2))
            let letter = try await waitForDeadLetter(env, workflowId: "dlq-resolve")
            try await env.store.resolveDeadLetter(
                namespace: env.namespace, id: letter.id, result: .string("paid by hand"), identity: "operator", at: env.clock.now)
            #expect(try await env.result(RetryPolicyWorkflow.self, id: "dlq-resolve") == "paid by hand")
            #expect(log.attempts("Flaky") == [1, 2])
        }
    }

    private func waitForDeadLetter(_ env: TestEnvironment, workflowId: String) async throws -> DeadLetter {
        var found: DeadLetter?
        try await env.waitUntil("a dead letter for \(workflowId) appears") {
            found = try await env.store.deadLetters(namespace: env.namespace).first { $0.workflowId == workflowId }
            return found != nil
        }
        return found!
    }
}
