import Foundation
import Workflow

/// Counts down over a chain of runs, one activity per run: each run continues as new with one
/// fewer left, and the last returns what the chain gathered.
struct Countdown: Workflow {
    struct Input: Codable, Sendable {
        var left: Int
        var gathered: [String] = []
    }

    func run(context: WorkflowContext, input: Input) async throws -> [String] {
        let greeting = try await context.execute(Greet.self, "run \(input.left)", options: tenSeconds)
        let gathered = input.gathered + [greeting]
        guard input.left > 0 else { return gathered }
        try await context.continueAsNew(input: Input(left: input.left - 1, gathered: gathered))
    }
}

/// Continues as new at once, `runs` times, then sums every `add` signal until it has `expected`
/// of them. Signals that reach an earlier run wait in its buffer and are carried to the next.
struct SignalChain: Workflow {
    struct Input: Codable, Sendable {
        var runs: Int
        var expected: Int
        /// With an activity per run, each switch takes long enough for signals to race it.
        var withActivity: Bool = true
    }

    func run(context: WorkflowContext, input: Input) async throws -> Int {
        if input.runs > 0 {
            if input.withActivity { _ = try await context.execute(Greet.self, "run \(input.runs)", options: tenSeconds) }
            try await context.continueAsNew(input: Input(runs: input.runs - 1, expected: input.expected, withActivity: input.withActivity))
        }
        var sum = 0
        for _ in 0..<input.expected { sum += try await context.waitForSignal("add", as: Int.self) ?? 0 }
        return sum
    }
}

/// Continues as new forever, one durable sleep per run: it ends only when canceled.
struct Forever: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> Int {
        try await context.sleep(for: .seconds(60))
        try await context.continueAsNew(input: input + 1)
    }
}

/// Runs activities until `context.info.continueAsNewSuggested` turns true, and returns the
/// history length and size the run saw at each workflow task.
struct UntilSuggested: Workflow {
    struct Seen: Codable, Sendable, Equatable {
        var length: Int
        var size: Int
        var suggested: Bool
    }

    func run(context: WorkflowContext, input: Int) async throws -> [Seen] {
        var seen: [Seen] = []
        for step in 0..<input {
            let info = context.info
            seen.append(Seen(length: info.historyLength, size: info.historySize, suggested: info.continueAsNewSuggested))
            if info.continueAsNewSuggested { break }
            _ = try await context.execute(Greet.self, "step \(step)", options: tenSeconds)
        }
        return seen
    }
}

/// A period per run that a `cancel` signal ends: the period's wait is the signal's wait.
struct CancelablePeriods: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> String {
        if let reason = try await context.waitForSignal("cancel", as: String.self, timeout: .seconds(60)) {
            return "canceled in period \(input): \(reason)"
        }
        try await context.continueAsNew(input: input + 1)
    }
}
