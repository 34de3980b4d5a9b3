import Foundation
import RepriseTesting
import Store
import Testing
import Workers
import Workflow

/// Greets `count` times in sequence, each with `size` bytes of input: a history that grows.
struct ManySteps: Workflow {
    struct Input: Codable, Sendable {
        var count: Int
        var size: Int
    }

    func run(context: WorkflowContext, input: Input) async throws -> Int {
        for step in 0..<input.count {
            _ = try await context.execute(Greet.self, "\(step)-" + String(repeating: "x", count: input.size), options: tenSeconds)
        }
        return input.count
    }
}

/// Greets `input` times at once: that many pending activities.
struct ManyAtOnce: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> Int {
        try await withThrowingTaskGroup(of: String.self) { group in
            for step in 0..<input { group.addTask { try await context.execute(Greet.self, "\(step)", options: tenSeconds) } }
            return try await group.reduce(0) { count, _ in count + 1 }
        }
    }
}

/// Runs `input` gates at once, then, on the signal "more", greets twice more while they wait.
struct GatesThenMore: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> Int {
        try await withThrowingTaskGroup(of: String.self) { group in
            for step in 0..<input { group.addTask { try await context.execute(Gate.self, "\(step)", options: tenSeconds) } }
            _ = try await context.waitForSignal("more", as: Int.self)
            for step in 0..<2 { group.addTask { try await context.execute(Greet.self, "\(step)", options: tenSeconds) } }
            return try await group.reduce(0) { count, _ in count + 1 }
        }
    }
}

/// Greets once, then returns `input` bytes: a large result after a step of the hot path.
struct LargeResult: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> String {
        _ = try await context.execute(Greet.self, "first", options: tenSeconds)
        return String(repeating: "r", count: input)
    }
}

/// Returns `input` bytes from an activity.
struct LargeActivityResult: Activity {
    let log: CallLog
    func run(input: Int) async throws -> String {
        log.record("Large", attempt: ActivityContext.current?.info.attempt ?? 0)
        return String(repeating: "a", count: input)
    }
}

struct CallsLargeActivity: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> String {
        try await context.execute(
            LargeActivityResult.self, input,
            options: ActivityOptions(startToCloseTimeout: .seconds(10), retryPolicy: RetryPolicy(initialInterval: .milliseconds(10))))
    }
}

/// Heartbeats `input` bytes and answers what the heartbeat said.
struct LargeHeartbeat: Activity {
    func run(input: Int) async throws -> String {
        do {
            try await ActivityContext.current!.heartbeat(String(repeating: "h", count: input))
            return "sent"
        } catch let error as ApplicationFailure {
            return "\(error.type): \(error.message)"
        }
    }
}

struct HeartbeatsLarge: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> String {
        try await context.execute(LargeHeartbeat.self, input, options: tenSeconds)
    }
}

@Suite("Limits on what runs grow")
struct RunLimitsTests {
    static func limits(_ body: (inout Limits) -> Void) -> Limits {
        var limits = Limits()
        body(&limits)
        return limits
    }

    @Test func aRunFailsWhenItsHistoryReachesTheEventLimit() async throws {
        try await TestEnvironment.run(
            workflows: [ManySteps.self], activities: [Greet(log: CallLog())], limits: Self.limits { $0.maxHistoryEvents = 30 }
        ) { env in
            try await env.start(ManySteps.self, id: "long", input: .init(count: 50, size: 1))
            let closed = try await env.waitForClose("long")
            #expect(closed.status == .failed)
            #expect(closed.failure?.type == "HistoryLimitExceeded")
            #expect(closed.failure?.message.contains("the limit is 30") == true)
            // The step that reaches the limit still records the activity's own events, then the
            // failure: a few events past it, far short of the 300 that 50 steps write.
            #expect(closed.historyLength >= 30 && closed.historyLength <= 36)
            #expect(try await env.history("long").last?.eventType == .workflowExecutionFailed)
        }
    }

    @Test func aRunFailsWhenItsHistoryReachesTheSizeLimitAndTheSizeIsWhatIsStored() async throws {
        try await TestEnvironment.run(
            workflows: [ManySteps.self], activities: [Greet(log: CallLog())], limits: Self.limits { $0.maxHistoryBytes = 20_000 }
        ) { env in
            try await env.start(ManySteps.self, id: "large", input: .init(count: 50, size: 2000))
            let closed = try await env.waitForClose("large")
            #expect(closed.status == .failed)
            #expect(closed.failure?.type == "HistoryLimitExceeded")
            #expect(closed.failure?.message.contains("the limit is 20000") == true)
            // Stopped within a step of the limit (a step here is two payloads of ~2 KB), far short of 50 steps.
            #expect(closed.historyBytes >= 20_000 && closed.historyBytes < 30_000)
            let rows = try await env.store.client.query(
                "SELECT sum(octet_length(attributes::text))::bigint FROM reprise.history_events WHERE run_id = \(closed.runId)")
            var stored: Int64 = 0
            for try await sum in rows.decode(Int64.self) { stored = sum }
            #expect(closed.historyBytes == stored)
        }
    }

    @Test func describeWarnsOnceTheHistoryPassesTheWarningThreshold() async throws {
        try await TestEnvironment.run(
            workflows: [ManySteps.self], activities: [Greet(log: CallLog())],
            limits: Self.limits {
                $0.historyWarningEvents = 10
                $0.historyWarningBytes = 1_000_000
            }
        ) { env in
            try await env.start(ManySteps.self, id: "short", input: .init(count: 0, size: 1))
            #expect(try await env.waitForClose("short").warnings.isEmpty)
            try await env.start(ManySteps.self, id: "warned", input: .init(count: 3, size: 1))
            let closed = try await env.waitForClose("warned")
            #expect(closed.status == .completed)
            #expect(closed.warnings.count == 1)
            #expect(closed.warnings.first?.contains("\(closed.historyLength) events") == true)
        }
    }

    @Test func aWorkflowResultOverThePayloadLimitFailsTheRun() async throws {
        try await TestEnvironment.run(
            workflows: [LargeResult.self], activities: [Greet(log: CallLog())], limits: Self.limits { $0.maxPayloadBytes = 1000 }
        ) { env in
            try await env.start(LargeResult.self, id: "small", input: 900)
            #expect(try await env.result(LargeResult.self, id: "small").count == 900)
            try await env.start(LargeResult.self, id: "big", input: 5000)
            let closed = try await env.waitForClose("big")
            #expect(closed.status == .failed)
            #expect(closed.failure?.type == "PayloadTooLarge")
            #expect(closed.failure?.message.contains("the workflow's result: 5002 bytes") == true)
            #expect(closed.failure?.message.contains("the limit is 1000") == true)
        }
    }

    @Test func anActivityResultOverThePayloadLimitFailsTheAttemptWithoutRetry() async throws {
        let log = CallLog()
        try await TestEnvironment.run(
            workflows: [CallsLargeActivity.self], activities: [LargeActivityResult(log: log)], limits: Self.limits { $0.maxPayloadBytes = 1000 }
        ) { env in
            try await env.start(CallsLargeActivity.self, id: "big", input: 5000)
            let closed = try await env.waitForClose("big")
            #expect(closed.status == .failed)
            #expect(closed.failure?.cause?.type == "PayloadTooLarge")
            #expect(closed.failure?.cause?.message.contains("the result of activity LargeActivityResult: 5002 bytes of JSON; the limit is 1000") == true)
            #expect(log.attempts("Large") == [1])
        }
    }

    @Test func heartbeatDetailsOverThePayloadLimitAreRefusedToTheActivity() async throws {
        try await TestEnvironment.run(
            workflows: [HeartbeatsLarge.self], activities: [LargeHeartbeat()], limits: Self.limits { $0.maxPayloadBytes = 1000 }
        ) { env in
            try await env.start(HeartbeatsLarge.self, id: "small", input: 500)
            #expect(try await env.result(HeartbeatsLarge.self, id: "small") == "sent")
            try await env.start(HeartbeatsLarge.self, id: "big", input: 5000)
            let answer = try await env.result(HeartbeatsLarge.self, id: "big")
            #expect(answer.hasPrefix("PayloadTooLarge: the heartbeat details of activity LargeHeartbeat: 5002 bytes of JSON; the limit is 1000"))
        }
    }

    @Test func aWorkflowTaskThatWouldPassThePendingActivityLimitFailsTheRun() async throws {
        try await TestEnvironment.run(
            workflows: [ManyAtOnce.self], activities: [Greet(log: CallLog())], limits: Self.limits { $0.maxPendingActivities = 5 }
        ) { env in
            try await env.start(ManyAtOnce.self, id: "five", input: 5)
            #expect(try await env.result(ManyAtOnce.self, id: "five") == 5)
            try await env.start(ManyAtOnce.self, id: "eight", input: 8)
            let closed = try await env.waitForClose("eight")
            #expect(closed.status == .failed)
            #expect(closed.failure?.type == "PendingActivitiesLimitExceeded")
            #expect(closed.failure?.message.contains("schedules 8 activities with 0 pending; the limit is 5") == true)
            #expect(try await env.history("eight").filter { $0.eventType == .activityTaskScheduled }.isEmpty)
        }
    }

    @Test func theActivitiesAlreadyPendingCountTowardTheLimit() async throws {
        let gate = Gate(log: CallLog())
        try await TestEnvironment.run(
            workflows: [GatesThenMore.self], activities: [gate, Greet(log: CallLog())], skipTime: false,
            limits: Self.limits { $0.maxPendingActivities = 5 }
        ) { env in
            defer { gate.open.update { $0 = true } }
            try await env.start(GatesThenMore.self, id: "gates", input: 4)
            try await env.waitUntil("four activities are pending") { try await env.describe("gates").pendingActivities.count == 4 }
            try await env.signal("gates", "more", 1)
            let closed = try await env.waitForClose("gates")
            #expect(closed.failure?.type == "PendingActivitiesLimitExceeded")
            #expect(closed.failure?.message.contains("schedules 2 activities with 4 pending; the limit is 5") == true)
        }
    }

    @Test func signalsBeyondThePendingLimitAreRefusedUntilAWorkflowTaskSeesThem() async throws {
        try await TestEnvironment.run(
            // Time moves only by hand: skipped, the run's signal timeout would end it first.
            workflows: [WaitForApproval.self], startWorker: false, skipTime: false, limits: Self.limits { $0.maxPendingSignals = 3 }
        ) { env in
            try await env.start(WaitForApproval.self, id: "waiting", input: 3600)
            for index in 0..<3 { try await env.signal("waiting", "ping", index) }
            let refused = await #expect(throws: StoreError.self) { try await env.signal("waiting", "ping", 3) }
            #expect(refused?.code == .tooManyPendingSignals)
            #expect(refused?.message.contains("has 3 signals no workflow task has seen yet; the limit is 3") == true)
            env.launchWorker()
            try await env.waitUntil("a workflow task saw the signals") {
                try await env.history("waiting").contains { $0.eventType == .workflowTaskCompleted }
            }
            try await env.signal("waiting", "approve", "yes")
            #expect(try await env.result(WaitForApproval.self, id: "waiting") == "approved: yes")
        }
    }
}
