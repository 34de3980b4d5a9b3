import Foundation
import RepriseTesting
import Store
import Testing
import Workers
import Workflow

@Suite("Timers, signals, cancellation")
struct TimersSignalsTests {
    @Test func threeDaySleepFiresUnderTheVirtualClock() async throws {
        try await TestEnvironment.run(workflows: [SleepDays.self]) { env in
            let before = env.clock.now
            try await env.start(SleepDays.self, id: "sleeper", input: 3)
            #expect(try await env.result(SleepDays.self, id: "sleeper") == "slept 259200.0")
            #expect(env.clock.now.timeIntervalSince(before) >= 259_200)
            let types = try await env.history("sleeper").map(\.eventType)
            #expect(types.filter { $0 == .timerStarted }.count == 1)
            #expect(types.filter { $0 == .timerFired }.count == 1)
        }
    }

    @Test func tenThousandTimersDueTogetherEachFireOnce() async throws {
        try await TestEnvironment.run(workflows: [ManyTimers.self]) { env in
            try await env.start(ManyTimers.self, id: "timers", input: 10_000)
            #expect(try await env.result(ManyTimers.self, id: "timers", timeout: .seconds(120)) == 10_000)
            let history = try await env.history("timers")
            var fired: [String: Int] = [:]
            for event in history {
                if case .timerFired(let attributes) = event.attributes { fired[attributes.timerId, default: 0] += 1 }
            }
            #expect(fired.count == 10_000)
            #expect(fired.values.allSatisfy { $0 == 1 })
        }
    }

    @Test func signalRacingTheTimeoutWins() async throws {
        // The clock stands still, so the signal arrives well before the timeout.
        try await TestEnvironment.run(workflows: [WaitForApproval.self], skipTime: false) { env in
            try await env.start(WaitForApproval.self, id: "approval", input: 3600)
            try await env.waitUntil("the timer is started") { try await env.describe("approval").pendingTimers.count == 1 }
            try await env.signal("approval", "approve", "ok")
            #expect(try await env.result(WaitForApproval.self, id: "approval") == "approved: ok")
            let types = try await env.history("approval").map(\.eventType)
            #expect(types.contains(.timerCanceled))
            #expect(!types.contains(.timerFired))
        }
    }

    @Test func withoutASignalTheTimeoutBranchRuns() async throws {
        try await TestEnvironment.run(workflows: [WaitForApproval.self]) { env in
            try await env.start(WaitForApproval.self, id: "approval", input: 3600)
            #expect(try await env.result(WaitForApproval.self, id: "approval") == "timed out")
        }
    }

    @Test func aSignalToAClosedRunIsRefused() async throws {
        try await TestEnvironment.run(workflows: [WaitForApproval.self]) { env in
            try await env.start(WaitForApproval.self, id: "approval", input: 1)
            _ = try await env.result(WaitForApproval.self, id: "approval")
            let error = await #expect(throws: StoreError.self) { try await env.signal("approval", "approve", "late") }
            #expect(error?.code == .workflowClosed)
            #expect(error?.message.contains("Completed") == true)
        }
    }

    @Test func cancelRunsTheShieldedCompensationAndEndsCanceled() async throws {
        let log = CallLog()
        try await TestEnvironment.run(workflows: [Trip.self], activities: [Book(log: log), Unbook(log: log)], skipTime: false) { env in
            try await env.start(Trip.self, id: "trip", input: "lisbon")
            try await env.waitUntil("the trip is booked and sleeping") { try await env.describe("trip").pendingTimers.count == 1 }
            try await env.cancel("trip")
            let closed = try await env.waitForClose("trip")
            #expect(closed.status == .canceled)
            #expect(log.count("Unbook:lisbon") == 1)
            let types = try await env.history("trip").map(\.eventType)
            #expect(types.contains(.workflowExecutionCancelRequested))
            #expect(types.contains(.timerCanceled))
            #expect(types.last == .workflowExecutionCanceled)
        }
    }

    @Test func terminateEndsTheRunAtOnceWithoutWorkflowCode() async throws {
        let log = CallLog()
        try await TestEnvironment.run(workflows: [Trip.self], activities: [Book(log: log), Unbook(log: log)], skipTime: false) { env in
            try await env.start(Trip.self, id: "trip", input: "porto")
            try await env.waitUntil("the trip is sleeping") { try await env.describe("trip").pendingTimers.count == 1 }
            let before = try await env.history("trip").count
            try await env.terminate("trip", reason: "fraud")
            let closed = try await env.describe("trip")
            #expect(closed.status == .terminated)
            #expect(closed.pendingTimers.isEmpty)
            let history = try await env.history("trip")
            #expect(history.count == before + 1)
            #expect(history.last?.eventType == .workflowExecutionTerminated)
            #expect(log.count("Unbook:porto") == 0)
        }
    }
}
