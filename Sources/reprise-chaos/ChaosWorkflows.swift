import Activities
import Foundation
import Gateway
import Workflow

/// The chaos load's workflows: each one shape of work a user runs, with one outcome it is built to
/// reach, which ``Expectation`` names and the checks hold it to. Every side effect is a
/// ``SideEffect`` whose key is the run's workflow id and the step's name.
enum ChaosWorkflows {
    static let all: [any Workflow.Type] = [
        Steps.self, FanOut.self, Sleeper.self, Approval.self, TripSaga.self, Flaky.self, Fenced.self, Consult.self, Probe.self,
    ]

    /// The options of every side effect: a short lease, so that a killed or frozen worker's attempt
    /// is taken over within seconds, and quick retries.
    static let effect = ActivityOptions(
        startToCloseTimeout: .seconds(8),
        retryPolicy: RetryPolicy(initialInterval: .milliseconds(200), backoffCoefficient: 2, maximumInterval: .seconds(2)))

    static func effect(_ context: WorkflowContext, _ step: String, failAttempts: Int = 0, fenced: Bool = false, options: ActivityOptions = effect)
        async throws -> Int
    {
        try await context.execute(
            SideEffect.self, .init(key: "\(context.info.workflowId)/\(step)", failAttempts: failAttempts, fenced: fenced), options: options)
    }
}

/// Sequential activities: `steps` side effects, one after the other.
struct Steps: Workflow {
    static let name = "ChaosSteps"
    func run(context: WorkflowContext, input: Int) async throws -> String {
        for step in 1...max(1, input) { _ = try await ChaosWorkflows.effect(context, "step\(step)") }
        return "\(max(1, input)) steps"
    }
}

/// A fan-out with `async let`: three side effects at once.
struct FanOut: Workflow {
    static let name = "ChaosFanOut"
    func run(context: WorkflowContext, input: String) async throws -> String {
        async let a = ChaosWorkflows.effect(context, "a")
        async let b = ChaosWorkflows.effect(context, "b")
        async let c = ChaosWorkflows.effect(context, "c")
        _ = try await [a, b, c]
        return "3 branches"
    }
}

/// A durable timer of `input` seconds, then a side effect.
struct Sleeper: Workflow {
    static let name = "ChaosSleeper"
    func run(context: WorkflowContext, input: Int) async throws -> String {
        try await context.sleep(for: .seconds(input))
        _ = try await ChaosWorkflows.effect(context, "woke")
        return "slept \(input)s"
    }
}

/// Waits for the `approve` signal, then acts on it.
struct Approval: Workflow {
    static let name = "ChaosApproval"
    func run(context: WorkflowContext, input: String) async throws -> String {
        let approver = try await context.waitForSignal("approve", as: String.self) ?? "nobody"
        _ = try await ChaosWorkflows.effect(context, "approved")
        return "approved by \(approver)"
    }
}

/// A saga the runner cancels once both bookings are made: a wait that only cancellation ends, then
/// the bookings undone in reverse order inside a cancellation shield.
struct TripSaga: Workflow {
    static let name = "ChaosTripSaga"
    func run(context: WorkflowContext, input: String) async throws -> String {
        // Each booking is planned for compensation before it is made: a booking canceled in flight
        // may still have been made.
        var booked: [String] = []
        do {
            for item in ["flight", "hotel"] {
                booked.append(item)
                _ = try await ChaosWorkflows.effect(context, "book-\(item)")
            }
            _ = try await context.waitForSignal("never", as: String.self)
            return "not canceled"
        } catch {
            let done = booked
            try await context.withCancellationShield {
                for item in done.reversed() { _ = try await ChaosWorkflows.effect(context, "cancel-\(item)") }
            }
            throw CanceledFailure("trip canceled; undid \(done.reversed().joined(separator: ", "))")
        }
    }
}

/// An activity that fails its first two attempts and then succeeds.
struct Flaky: Workflow {
    static let name = "ChaosFlaky"
    func run(context: WorkflowContext, input: String) async throws -> String {
        let attempt = try await ChaosWorkflows.effect(context, "flaky", failAttempts: 2)
        return "succeeded on attempt \(attempt)"
    }
}

/// An activity that dead-letters until the runner opens its fence and retries it through the API.
struct Fenced: Workflow {
    static let name = "ChaosFenced"
    static let options = ActivityOptions(
        startToCloseTimeout: .seconds(8), retryPolicy: RetryPolicy(initialInterval: .milliseconds(200), maximumAttempts: 2),
        deadLetter: true)
    func run(context: WorkflowContext, input: String) async throws -> String {
        _ = try await ChaosWorkflows.effect(context, "fenced", fenced: true, options: Self.options)
        return "fence passed"
    }
}

/// An LLM call through the gateway to the provider stand-in, within a per-run budget, then a side
/// effect with its answer.
struct Consult: Workflow {
    static let name = "ChaosConsult"
    static let options = ActivityOptions(
        startToCloseTimeout: .seconds(15),
        retryPolicy: RetryPolicy(initialInterval: .milliseconds(200), backoffCoefficient: 2, maximumInterval: .seconds(2)))
    func run(context: WorkflowContext, input: String) async throws -> String {
        let request = LLMRequest(
            taskClass: "chaos", messages: [.init(role: "user", content: "Is \(input) a good lead?")], maxTokens: 32, maxRunUSD: 1)
        let answer = try await context.execute(LLMComplete.self, request, options: Self.options)
        _ = try await ChaosWorkflows.effect(context, "consulted")
        return answer.content
    }
}

/// No activity at all: the runner's probe of end-to-end recovery, and the availability phase's start.
struct Probe: Workflow {
    static let name = "ChaosProbe"
    func run(context: WorkflowContext, input: String) async throws -> String { input }
}
