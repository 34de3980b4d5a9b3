import Foundation
import Synchronization
import Workflow

let tenSeconds = ActivityOptions(startToCloseTimeout: .seconds(10))

/// Records every call, so a test can count attempts and see when they ran.
final class CallLog: Sendable {
    private let calls = Mutex<[String: [Int]]>([:])
    func record(_ name: String, attempt: Int) { calls.withLock { $0[name, default: []].append(attempt) } }
    func attempts(_ name: String) -> [Int] { calls.withLock { $0[name] ?? [] } }
    func count(_ name: String) -> Int { attempts(name).count }
}

/// Mutable state shared with activities and tests.
final class Shared<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    var value: Value { storage.withLock { $0 } }
    func update(_ body: (inout Value) -> Void) { storage.withLock { body(&$0) } }
}

struct Greet: Activity {
    let log: CallLog
    func run(input: String) async throws -> String {
        log.record("Greet:\(input)", attempt: ActivityContext.current?.info.attempt ?? 0)
        return "hello \(input)"
    }
}

/// Three activities in sequence.
struct ThreeSteps: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> [String] {
        var results: [String] = []
        for step in ["one", "two", "three"] {
            results.append(try await context.execute(Greet.self, "\(input)-\(step)", options: tenSeconds))
        }
        return results
    }
}

/// Returns its input at once: a run whose first workflow task ends it.
struct Immediate: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String { "done \(input)" }
}

/// Fails a given number of times, then succeeds; records the virtual time of each attempt.
struct Flaky: Activity {
    let log: CallLog
    let times = Shared<[Date]>([])
    let clock: @Sendable () -> Date

    struct Input: Codable, Sendable {
        var failures: Int
        var errorType: String
    }

    init(log: CallLog, clock: @escaping @Sendable () -> Date) {
        self.log = log
        self.clock = clock
    }

    func run(input: Input) async throws -> String {
        let attempt = ActivityContext.current?.info.attempt ?? 0
        log.record("Flaky", attempt: attempt)
        times.update { $0.append(clock()) }
        if attempt <= input.failures { throw ApplicationFailure("attempt \(attempt) failed", type: input.errorType) }
        return "succeeded on \(attempt)"
    }
}

struct RetryPolicyWorkflow: Workflow {
    struct Input: Codable, Sendable {
        var failures: Int
        var errorType: String
        var deadLetter: Bool
        var maximumAttempts: Int
    }

    func run(context: WorkflowContext, input: Input) async throws -> String {
        let options = ActivityOptions(
            startToCloseTimeout: .seconds(10),
            retryPolicy: RetryPolicy(initialInterval: .seconds(1), backoffCoefficient: 2, maximumAttempts: input.maximumAttempts,
                nonRetryableErrorTypes: ["Fatal"]),
            deadLetter: input.deadLetter)
        do {
            return try await context.execute(Flaky.self, .init(failures: input.failures, errorType: input.errorType), options: options)
        } catch let failure as ActivityFailure {
            // Compensation path: the failure reached the workflow.
            return "compensated after \(failure.cause.type): \(failure.cause.message)"
        }
    }
}

struct SleepDays: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> String {
        let start = context.now
        try await context.sleep(for: .seconds(Int64(input) * 86_400))
        return "slept \(context.now.timeIntervalSince(start))"
    }
}

struct ManyTimers: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> Int {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<input { group.addTask { try await context.sleep(for: .seconds(3600)) } }
            try await group.waitForAll()
        }
        return input
    }
}

struct WaitForApproval: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> String {
        if let answer = try await context.waitForSignal("approve", as: String.self, timeout: .seconds(Int64(input))) {
            return "approved: \(answer)"
        }
        return "timed out"
    }
}

struct Book: Activity {
    let log: CallLog
    func run(input: String) async throws -> String {
        log.record("Book:\(input)", attempt: 1)
        return "booked \(input)"
    }
}

struct Unbook: Activity {
    let log: CallLog
    func run(input: String) async throws -> String {
        log.record("Unbook:\(input)", attempt: 1)
        return "unbooked \(input)"
    }
}

struct Trip: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        _ = try await context.execute(Book.self, input, options: tenSeconds)
        do {
            try await context.sleep(for: .seconds(86_400))
            return "trip done"
        } catch is CanceledFailure {
            _ = try await context.withCancellationShield {
                try await context.execute(Unbook.self, input, options: tenSeconds)
            }
            throw CanceledFailure("trip canceled")
        }
    }
}

/// Blocks until released, heartbeating; a test kills or races workers around it.
struct Gate: Activity {
    let log: CallLog
    let open = Shared(false)

    init(log: CallLog) { self.log = log }

    func run(input: String) async throws -> String {
        log.record("Gate:\(input)", attempt: ActivityContext.current?.info.attempt ?? 0)
        while !open.value {
            try await Task.sleep(for: .milliseconds(5))
        }
        return "passed \(input)"
    }
}

struct GatedSteps: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> [String] {
        let first = try await context.execute(Greet.self, "\(input)-before", options: tenSeconds)
        let gate = try await context.execute(Gate.self, input, options: tenSeconds)
        let last = try await context.execute(Greet.self, "\(input)-after", options: tenSeconds)
        return [first, gate, last]
    }
}

struct NonDeterministicV1: Workflow {
    static let name = "Drifting"
    func run(context: WorkflowContext, input: String) async throws -> String {
        // A bug: the workflow reads a global that changes between replays.
        let step = DriftingCounter.next()
        return try await context.execute(Greet.self, "\(input)-\(step)", options: tenSeconds)
    }
}

enum DriftingCounter {
    static let value = Atomic<Int>(0)
    static func next() -> Int { value.add(1, ordering: .relaxed).newValue }
}

/// Greets, then schedules an activity without a timeout: a bug that fails its second workflow task.
struct BuggySecondStep: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        _ = try await context.execute(Greet.self, input, options: tenSeconds)
        return try await context.execute(Greet.self, input, options: ActivityOptions())
    }
}

struct AlwaysBuggy: Workflow {
    struct Bug: Error {}
    func run(context: WorkflowContext, input: String) async throws -> String {
        throw Bug()
    }
}

/// Heartbeats its progress; the first attempt fails after step 3, the next resumes from there.
struct ResumableCount: Activity {
    let log: CallLog
    func run(input: Int) async throws -> String {
        let context = ActivityContext.current!
        let start = try context.info.heartbeatDetails?.decode(as: Int.self) ?? 0
        log.record("Count:from-\(start)", attempt: context.info.attempt)
        for step in (start + 1)...input {
            try await context.heartbeat(step)
            if step == 3 && context.info.attempt == 1 { throw ApplicationFailure("crashed at 3", type: "Crash") }
        }
        return "counted from \(start)"
    }
}

struct CountWorkflow: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> String {
        try await context.execute(
            ResumableCount.self, input,
            options: ActivityOptions(startToCloseTimeout: .seconds(60), retryPolicy: RetryPolicy(initialInterval: .milliseconds(10))))
    }
}

/// Heartbeats until it is canceled, and records that it saw the cancellation.
struct UntilCanceled: Activity {
    let log: CallLog
    func run(input: String) async throws -> String {
        let context = ActivityContext.current!
        do {
            while true {
                try await context.heartbeat()
                try await Task.sleep(for: .milliseconds(5))
            }
        } catch {
            log.record("canceled:\(input)", attempt: context.info.attempt)
            throw error
        }
    }
}

struct CancelsItsActivity: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        try await context.execute(
            UntilCanceled.self, input, options: ActivityOptions(startToCloseTimeout: .seconds(3600), heartbeatTimeout: .seconds(60)))
    }
}
