import Foundation
import Synchronization
import Workflow

struct Echo: Activity {
    func run(input: String) async throws -> String { input }
}

struct Charge: Activity {
    func run(input: Int) async throws -> String { "charged \(input)" }
}

struct Refund: Activity {
    func run(input: Int) async throws -> String { "refunded \(input)" }
}

let quick = ActivityOptions(startToCloseTimeout: .seconds(10))

/// Two activities in parallel, then a signal raced against a timer.
struct ParallelThenRace: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        async let first = context.execute(Echo.self, "a", options: quick)
        async let second = context.execute(Charge.self, 2, options: quick)
        let results = try await [first, second]
        let reply = try await context.waitForSignal("approve", as: String.self, timeout: .seconds(60))
        return results.joined(separator: ",") + "|" + (reply ?? "timeout")
    }
}

/// Ten activities in a task group, to show one command order.
struct FanOut: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> [String] {
        try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<input {
                group.addTask { try await context.execute(Echo.self, "item-\(index)", options: quick) }
            }
            var results: [String] = []
            for try await result in group { results.append(result) }
            return results.sorted()
        }
    }
}

/// Charge then refund, in this order: the "v1" of a workflow whose code later changes.
struct ChargeThenRefund: Workflow {
    static let name = "Payment"
    func run(context: WorkflowContext, input: Int) async throws -> String {
        let charged = try await context.execute(Charge.self, input, options: quick)
        let refunded = try await context.execute(Refund.self, input, options: quick)
        return charged + "/" + refunded
    }
}

/// The same workflow type with the two calls swapped.
struct RefundThenCharge: Workflow {
    static let name = "Payment"
    func run(context: WorkflowContext, input: Int) async throws -> String {
        let refunded = try await context.execute(Refund.self, input, options: quick)
        let charged = try await context.execute(Charge.self, input, options: quick)
        return charged + "/" + refunded
    }
}

/// The same workflow type with the refund dropped.
struct ChargeOnly: Workflow {
    static let name = "Payment"
    func run(context: WorkflowContext, input: Int) async throws -> String {
        try await context.execute(Charge.self, input, options: quick)
    }
}

/// The same workflow type, with a patched-in activity between the two.
struct ChargeNotifyRefund: Workflow {
    static let name = "Payment"
    func run(context: WorkflowContext, input: Int) async throws -> String {
        let charged = try await context.execute(Charge.self, input, options: quick)
        var notified = "old"
        if context.patched("v2") {
            notified = try await context.execute(Echo.self, "notify", options: quick)
        }
        let refunded = try await context.execute(Refund.self, input, options: quick)
        return [charged, notified, refunded].joined(separator: "/")
    }
}

struct SleepsWithTaskSleep: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> String {
        try await Task.sleep(for: .milliseconds(input))
        return "slept"
    }
}

struct AwaitsDetachedTask: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> Int {
        await Task.detached { input * 2 }.value
    }
}

@MainActor func mainActorValue() -> Int { 42 }

/// Runs an activity, then hops to the main actor: an escape, since the main actor's thread is not
/// the workflow's. (An uncontended actor may run inline on the workflow's thread; see docs.)
struct HopsToMainActor: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> Int {
        _ = try await context.execute(Echo.self, "before", options: quick)
        return await mainActorValue()
    }
}

/// Waits for a signal with a timeout, and reports which branch ran.
struct SignalOrTimeout: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> String {
        if let value = try await context.waitForSignal("go", as: String.self, timeout: .seconds(Int64(input))) {
            return "signal:\(value)"
        }
        return "timeout"
    }
}

/// Shared workflow state for tests: a `Mutex` makes it `Sendable` for handlers and conditions.
final class Box<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    var value: Value { storage.withLock { $0 } }
    func update<R>(_ body: (inout Value) -> R) -> R { storage.withLock { body(&$0) } }
}

/// Two waiters on a queue that signals fill: each item must resume exactly one waiter, lowest
/// sequence number first.
struct QueueConsumers: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> [String] {
        let queue = Box<[String]>([])
        let served = Box<[String]>([])
        context.setSignalHandler("item", as: String.self) { item in queue.update { $0.append(item) } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for consumer in ["first", "second"] {
                group.addTask {
                    try await context.condition { !queue.value.isEmpty }
                    let item = queue.update { $0.removeFirst() }
                    served.update { $0.append("\(consumer):\(item)") }
                }
            }
            try await group.waitForAll()
        }
        return served.value
    }
}

/// Books, then waits; on cancellation, compensates in a shield.
struct BookWithCompensation: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> String {
        _ = try await context.execute(Charge.self, input, options: quick)
        do {
            try await context.sleep(for: .seconds(3600))
            return "kept"
        } catch {
            let sawCancellation = Task.isCancelled
            let refund = try await context.withCancellationShield {
                try await context.execute(Refund.self, input, options: quick)
            }
            context.logger.info("compensated", metadata: ["sawCancellation": "\(sawCancellation)"])
            throw CanceledFailure("canceled after \(refund)")
        }
    }
}

/// Deterministic values: time, random numbers, UUIDs and a side effect.
struct DeterministicValues: Workflow {
    struct Output: Codable, Sendable, Equatable {
        var now: Date
        var random: UInt64
        var uuid: UUID
        var sideEffect: Int
    }

    func run(context: WorkflowContext, input: Int) async throws -> Output {
        let now = context.now
        var random = context.random
        let number = random.next()
        let uuid = context.uuid()
        let sideEffect = try context.sideEffect { Int.random(in: 0..<1_000_000) }
        _ = try await context.execute(Echo.self, "x", options: quick)
        return Output(now: now, random: number, uuid: uuid, sideEffect: sideEffect)
    }
}

/// Fails with an application failure after a failed activity.
struct FailsWithApplicationFailure: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> String {
        do {
            return try await context.execute(Charge.self, input, options: quick)
        } catch let failure as ActivityFailure {
            throw ApplicationFailure("payment failed: \(failure.cause.message)", type: "PaymentFailed", nonRetryable: true)
        }
    }
}

struct SomeBug: Error {}

/// Throws an error that is not an application failure: a bug.
struct ThrowsBug: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> String {
        throw SomeBug()
    }
}

/// Many parked child tasks, each waiting for a signal that never comes.
struct ManyParked: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> Int {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<input {
                group.addTask { _ = try await context.waitForSignal("never", as: String.self) }
            }
            try await group.waitForAll()
        }
        return input
    }
}

/// Sleeps zero seconds, which still records a timer.
struct ZeroSleep: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> String {
        try await context.sleep(for: .zero)
        return "done"
    }
}
