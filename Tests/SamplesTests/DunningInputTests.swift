import Foundation
import RepriseTesting
@testable import Samples
import Store
import Testing
import Workflow

@Suite("SubscriptionDunning's input cannot crash a worker")
struct DunningInputTests {
    /// Issue 15: `retryScheduleSeconds: [1e10]` aborted every worker that replayed the run
    /// ("Double value cannot be converted to Int64"). Now the run fails at once, before any charge.
    @Test func aRetryScheduleOutOfRangeFailsTheRunNamingTheField() async throws {
        try await SampleHarness.run { env, _ in
            var input = SubscriptionDunningTests.input("sub-huge", source: "tok_chargeDeclined")
            input.retryScheduleSeconds = [1e10]
            try await env.start(SubscriptionDunning.self, id: "sub-huge", input: input)
            let description = try await env.waitForClose("sub-huge", timeout: SampleHarness.patience)
            #expect(description.status == .failed)
            #expect(description.failure?.type == "InvalidArgument")
            #expect(description.failure?.nonRetryable == true)
            #expect(description.failure?.message.contains("retryScheduleSeconds") == true, "\(String(describing: description.failure))")
            #expect(try await SampleHarness.count(env, "SELECT count(*)::int FROM reprise_samples.payment_ledger WHERE subscription_id = 'sub-huge'") == 0)
            // The same worker goes on: a run with a schedule in range is canceled when it runs out.
            var fine = SubscriptionDunningTests.input("sub-fine", source: "tok_chargeDeclined")
            fine.retryScheduleSeconds = [60]
            try await env.start(SubscriptionDunning.self, id: "sub-fine", input: fine)
            let outcome = try await env.result(SubscriptionDunning.self, id: "sub-fine", timeout: SampleHarness.patience)
            #expect(outcome.status == "canceled" && outcome.attempts == 2)
        }
    }
}
