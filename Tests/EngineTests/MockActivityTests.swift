import Foundation
import RepriseTesting
import Testing
import Workflow

/// A payment activity whose real body must never run in these tests: each one mocks it.
private struct Charge: Activity {
    func run(input: Int) async throws -> String {
        throw ApplicationFailure("the real Charge ran in a test that mocks it", type: "RealChargeRan", nonRetryable: true)
    }
}

/// Waits two days, charges with three attempts, and reports a decline instead of failing.
private struct Checkout: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> String {
        try await context.sleep(for: .seconds(2 * 86_400))
        let options = ActivityOptions(startToCloseTimeout: .seconds(10), retryPolicy: RetryPolicy(initialInterval: .seconds(30), maximumAttempts: 3))
        do {
            return try await context.execute(Charge.self, input, options: options)
        } catch let failure as ActivityFailure {
            return "declined: \(failure.cause.type)"
        }
    }
}

/// Charges only once approved by a signal.
private struct ApprovedCharge: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> String {
        let approver = try await context.waitForSignal("approve", as: String.self)
        return try await context.execute(Charge.self, input, options: ActivityOptions(startToCloseTimeout: .seconds(10))) + " for \(approver ?? "-")"
    }
}

private let declined = ApplicationFailure("card declined", type: "PaymentDeclined", nonRetryable: true)

/// `MockActivity` in the in-memory harness (no Postgres) and in the time-skipping environment.
@Suite("Mock activities")
struct MockActivityTests {
    @Test func inTheHarnessAMockAnswersForTheActivityAndRecordsItsInput() async throws {
        let charge = MockActivity(Charge.self) { cents in "charged \(cents)" }
        let harness = try WorkflowHarness(Checkout.self, input: 1299, activities: [charge])
        #expect(try await harness.result(Checkout.self) == "charged 1299")
        #expect(charge.calls == [1299])
        // The two-day timer fired on the history's clock, not the wall clock.
        let started = try #require(harness.history.first?.eventTime)
        let fired = try #require(harness.history.first { $0.eventType == .timerFired }?.eventTime)
        #expect(fired.timeIntervalSince(started) >= 2 * 86_400)
    }

    @Test func inTheHarnessAMockThatThrowsFailsTheActivityOnceAndForAll() async throws {
        let charge = MockActivity.failing(with: declined, for: Charge.self)
        let harness = try WorkflowHarness(Checkout.self, input: 5, activities: [charge])
        #expect(try await harness.result(Checkout.self) == "declined: PaymentDeclined")
        #expect(charge.calls.count == 1)
        #expect(harness.eventTypes.contains(.activityTaskFailed))
    }

    @Test func inTheHarnessAnActivityWithoutAMockIsNamedInTheError() async throws {
        let harness = try WorkflowHarness(Checkout.self, input: 5)
        let error = await #expect(throws: WorkflowHarnessError.self) { try await harness.result(Checkout.self) }
        #expect(error?.message.contains("scheduled activity Charge, which the harness has not been given") == true, "\(String(describing: error))")
    }

    @Test func inTheHarnessARunWaitingForASignalSaysSoUntilItGetsOne() async throws {
        let harness = try WorkflowHarness(ApprovedCharge.self, input: 7, activities: [MockActivity.returning("charged 7", for: Charge.self)])
        let waiting = await #expect(throws: WorkflowHarnessError.self) { try await harness.result(ApprovedCharge.self) }
        #expect(waiting?.message.contains("still open") == true)
        try harness.signal("approve", "ada")
        #expect(try await harness.result(ApprovedCharge.self) == "charged 7 for ada")
    }

    @Test func inTheEnvironmentTheEngineRetriesAMockLikeTheActivity() async throws {
        let charge = MockActivity(Charge.self) { cents in
            let attempt = ActivityContext.current?.info.attempt ?? 0
            guard attempt >= 3 else { throw ApplicationFailure("gateway busy on attempt \(attempt)", type: "Busy") }
            return "charged \(cents) on attempt \(attempt)"
        }
        try await TestEnvironment.run(workflows: [Checkout.self], activities: [charge]) { env in
            try await env.start(Checkout.self, id: "mock-retry", input: 42)
            #expect(try await env.result(Checkout.self, id: "mock-retry") == "charged 42 on attempt 3")
        }
        #expect(charge.calls == [42, 42, 42])
    }

    @Test func inTheEnvironmentAMockThrowingANonRetryableFailureRunsOnce() async throws {
        let charge = MockActivity.failing(with: declined, for: Charge.self)
        try await TestEnvironment.run(workflows: [Checkout.self], activities: [charge]) { env in
            try await env.start(Checkout.self, id: "mock-declined", input: 42)
            #expect(try await env.result(Checkout.self, id: "mock-declined") == "declined: PaymentDeclined")
        }
        #expect(charge.calls.count == 1)
    }
}
