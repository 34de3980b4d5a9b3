import Foundation
import RepriseTesting
import Store
import Testing
import Workers
import Workflow

@Suite("Heartbeats and graceful shutdown")
struct HeartbeatTests {
    @Test func theLastHeartbeatDetailsReachTheNextAttempt() async throws {
        let log = CallLog()
        try await TestEnvironment.run(
            workflows: [CountWorkflow.self], activities: [ResumableCount(log: log)], configure: { $0.heartbeatThrottle = .zero }
        ) { env in
            try await env.start(CountWorkflow.self, id: "count", input: 5)
            #expect(try await env.result(CountWorkflow.self, id: "count") == "counted from 3")
            #expect(log.attempts("Count:from-0") == [1])
            #expect(log.attempts("Count:from-3") == [2])
        }
    }

    @Test func cancelingTheWorkflowCancelsTheRunningActivityThroughItsHeartbeat() async throws {
        let log = CallLog()
        try await TestEnvironment.run(
            workflows: [CancelsItsActivity.self], activities: [UntilCanceled(log: log)], skipTime: false,
            configure: { $0.heartbeatThrottle = .milliseconds(1) }
        ) { env in
            try await env.start(CancelsItsActivity.self, id: "cancel-me", input: "a")
            try await env.waitUntil("the activity is running") {
                try await env.describe("cancel-me").pendingActivities.first?.state == "Started"
            }
            try await env.cancel("cancel-me")
            #expect(try await env.waitForClose("cancel-me").status == .canceled)
            try await env.waitUntil("the activity saw the cancellation") { log.count("canceled:a") == 1 }
            let types = try await env.history("cancel-me").map(\.eventType)
            #expect(types.contains(.activityTaskCancelRequested))
        }
    }

    @Test func gracefulShutdownReleasesRunningActivitiesForAnotherWorker() async throws {
        let log = CallLog()
        let gate = Gate(log: log)
        try await TestEnvironment.run(
            workflows: [GatedSteps.self], activities: [Greet(log: log), gate], startWorker: false, skipTime: false,
            configure: { $0.gracefulShutdownTimeout = .milliseconds(100) }
        ) { env in
            let first = env.launchWorker(identity: "leaving")
            try await env.start(GatedSteps.self, id: "handover", input: "h")
            try await env.waitUntil("the gate runs") { log.count("Gate:h") == 1 }
            await first.shutdown()
            // Released, not failed: the same attempt is visible again at once.
            let pending = try await env.describe("handover").pendingActivities.first
            #expect(pending?.state == "Scheduled")
            #expect(pending?.attempt == 1)
            #expect(pending?.lastFailure == nil)
            gate.open.update { $0 = true }
            env.launchWorker(identity: "staying")
            #expect(try await env.result(GatedSteps.self, id: "handover") == ["hello h-before", "passed h", "hello h-after"])
            #expect(log.attempts("Gate:h") == [1, 1])
        }
    }
}
