import Foundation
import RepriseTesting
import Store
import Testing
import Workers
import Workflow

/// Hands a duration from its input to one `WorkflowContext` API.
struct PassesADuration: Workflow {
    struct Input: Codable, Sendable {
        /// `sleep`, `waitForSignal`, `condition` or `activity` (a start-to-close timeout).
        var api: String
        var seconds: Int64
    }

    func run(context: WorkflowContext, input: Input) async throws -> String {
        let duration = Duration.seconds(input.seconds)
        switch input.api {
        case "sleep": try await context.sleep(for: duration)
        case "waitForSignal": _ = try await context.waitForSignal("never", as: String.self, timeout: duration)
        case "condition": _ = try await context.condition(timeout: duration) { false }
        default: _ = try await context.execute(Greet.self, "x", options: ActivityOptions(startToCloseTimeout: duration))
        }
        return "done"
    }
}

@Suite("Durations out of range fail the workflow, never the worker")
struct DurationArgumentTests {
    /// Past PostgresNIO's dates (~292,000 years): the old code trapped as it wrote the timer or the
    /// activity's deadline. Negative and 200 years: the old code clamped or waited them out.
    static let cases: [(api: String, seconds: Int64, argument: String)] = [
        ("sleep", -1, "sleep(for:)"),
        ("sleep", 10_000_000_000_000, "sleep(for:)"),
        ("waitForSignal", 200 * 31_557_600, "waitForSignal(timeout:)"),
        ("condition", -5, "condition(timeout:)"),
        ("activity", 10_000_000_000_000, "ActivityOptions.startToCloseTimeout"),
    ]

    @Test(arguments: 0..<5)
    func aContextAPIGivenAnOutOfRangeDurationFailsTheWorkflowNamingTheArgument(index: Int) async throws {
        let (api, seconds, argument) = Self.cases[index]
        let log = CallLog()
        try await TestEnvironment.run(workflows: [PassesADuration.self, ThreeSteps.self], activities: [Greet(log: log)]) { env in
            try await env.start(PassesADuration.self, id: "bad", input: .init(api: api, seconds: seconds))
            let description = try await env.waitForClose("bad", timeout: .seconds(60))
            #expect(description.status == .failed)
            #expect(description.failure?.type == "InvalidArgument")
            #expect(description.failure?.nonRetryable == true)
            #expect(description.failure?.message.contains(argument) == true, "\(String(describing: description.failure))")
            #expect(log.count("Greet:x") == 0)
            // The worker lives on and serves the next run.
            try await env.start(ThreeSteps.self, id: "after", input: "a")
            #expect(try await env.result(ThreeSteps.self, id: "after", timeout: .seconds(60)).count == 3)
        }
    }
}
