import Foundation
import RepriseTesting
@testable import Samples
import Store
import Testing
import Workflow

@Suite("Subscription: a period per run, dunning as a child, continue-as-new")
struct SubscriptionTests {
    static func input(_ id: String, source: String = "tok_visa", maxPeriods: Int? = nil) -> Subscription.Input {
        Subscription.Input(
            subscriptionId: id, customer: "cus_1", email: "billing@acme.example", amountCents: 1_900, paymentSource: source, periodSeconds: 60,
            retryScheduleSeconds: [3_600], maxPeriods: maxPeriods)
    }

    /// Waits for the period's timer, then moves the virtual clock past it.
    static func endPeriod(_ env: TestEnvironment, _ id: String) async throws {
        try await env.waitUntil("\(id) waits out its period", timeout: SampleHarness.patience) {
            !(try await env.describe(id).pendingTimers.isEmpty)
        }
        env.clock.advance(by: .seconds(60))
    }

    static func runs(_ env: TestEnvironment, _ id: String) async throws -> Int {
        try await SampleHarness.count(env, "SELECT count(*)::int FROM reprise.workflow_executions WHERE workflow_id = \(id)")
    }

    @Test func eachPeriodIsChargedOnceInARunOfItsOwn() async throws {
        try await SampleHarness.run { env, _ in
            try await env.start(Subscription.self, id: "sub-periods", input: Self.input("sub-periods", maxPeriods: 3))
            let outcome = try await env.result(Subscription.self, id: "sub-periods", timeout: SampleHarness.patience)
            #expect(outcome == .init(status: "completed", periodsBilled: 3))
            #expect(try await SubscriptionDunningTests.ledger(env, "sub-periods", "succeeded") == 3)
            // Three runs continued as new, and the fourth saw the term was over.
            #expect(try await Self.runs(env, "sub-periods") == 4)
            // Every run of the chain carries the customer; the last one says how many periods were billed.
            let query = try ListQuery(parsing: "customer = 'cus_1' AND subscriptionId = 'sub-periods'")
            #expect(try await env.store.listWorkflows(namespace: "default", query: query).workflows.count == 4)
            let last = try ListQuery(parsing: "customer = 'cus_1' AND periodsBilled = 3 AND ExecutionStatus = 'Completed'")
            #expect(try await env.store.listWorkflows(namespace: "default", query: last).workflows.map(\.workflowId) == ["sub-periods"])
            #expect(
                try await SampleHarness.count(
                    env, "SELECT count(*)::int FROM reprise.workflow_executions WHERE workflow_id = 'sub-periods' AND status = 'ContinuedAsNew'") == 3)
        }
    }

    @Test func aDeclinedChargeIsCollectedByTheDunningChildAndBillingGoesOn() async throws {
        try await SampleHarness.run(skipTime: false) { env, _ in
            try await env.start(Subscription.self, id: "sub-declined", input: Self.input("sub-declined", source: "tok_chargeDeclined", maxPeriods: 1))
            try await Self.endPeriod(env, "sub-declined")
            // The period's charge is declined; the child counts it as its first attempt and waits an hour.
            try await env.waitUntil("the dunning child waits for its retry", timeout: SampleHarness.patience) {
                guard let child = try? await env.describe("sub-declined-dunning-1") else { return false }
                return !child.pendingTimers.isEmpty
            }
            #expect(try await SubscriptionDunningTests.ledger(env, "sub-declined", "declined") == 1)
            let parent = try await env.describe("sub-declined")
            #expect(parent.status == .running)
            try await env.signal("sub-declined-dunning-1", "paymentMethodUpdated", SubscriptionDunning.PaymentMethodUpdate(paymentSource: "tok_visa"))
            let dunning = try await env.result(SubscriptionDunning.self, id: "sub-declined-dunning-1", timeout: SampleHarness.patience)
            #expect(dunning.status == "paid" && dunning.attempts == 2)
            // Paid by the child, the period counts: the next run sees the one-period term is over.
            let outcome = try await env.result(Subscription.self, id: "sub-declined", timeout: SampleHarness.patience)
            #expect(outcome == .init(status: "completed", periodsBilled: 1))
            #expect(try await SubscriptionDunningTests.ledger(env, "sub-declined", "succeeded") == 1)
        }
    }

    /// `paymentSucceeded` sent to the subscription (as the Stripe webhook mapping does) reaches its
    /// dunning child, which ends paid with the invoice's charge; billing goes on.
    @Test func aPaymentSucceededSignalIsHandedToTheDunningChild() async throws {
        try await SampleHarness.run(skipTime: false) { env, _ in
            try await env.start(Subscription.self, id: "sub-webhook", input: Self.input("sub-webhook", source: "tok_chargeDeclined", maxPeriods: 1))
            try await Self.endPeriod(env, "sub-webhook")
            try await env.waitUntil("the dunning child waits for its retry", timeout: SampleHarness.patience) {
                guard let child = try? await env.describe("sub-webhook-dunning-1") else { return false }
                return !child.pendingTimers.isEmpty
            }
            try await env.signal("sub-webhook", "paymentSucceeded", PaidInvoice(id: "in_1", charge: "ch_elsewhere", amountPaid: 1_900))
            let dunning = try await env.result(SubscriptionDunning.self, id: "sub-webhook-dunning-1", timeout: SampleHarness.patience)
            #expect(dunning == .init(status: "paid", attempts: 1, chargeId: "ch_elsewhere"))
            let outcome = try await env.result(Subscription.self, id: "sub-webhook", timeout: SampleHarness.patience)
            #expect(outcome == .init(status: "completed", periodsBilled: 1))
            #expect(try await SubscriptionDunningTests.ledger(env, "sub-webhook", "succeeded") == 0, "the invoice paid it; no charge of ours")
        }
    }

    @Test func aDunningChildThatGivesUpEndsTheSubscriptionUnpaid() async throws {
        try await SampleHarness.run { env, _ in
            try await env.start(Subscription.self, id: "sub-unpaid", input: Self.input("sub-unpaid", source: "tok_chargeDeclined"))
            let outcome = try await env.result(Subscription.self, id: "sub-unpaid", timeout: SampleHarness.patience)
            #expect(outcome == .init(status: "unpaid", periodsBilled: 0))
            // The period's charge and the one retry of the schedule: never three declines in a row.
            #expect(try await SubscriptionDunningTests.ledger(env, "sub-unpaid", "declined") == 2)
            #expect(try await env.describe("sub-unpaid-dunning-1").status == .completed)
        }
    }

    @Test func cancelEndsItWhetherTheOldRunOrTheNewOneGetsTheSignal() async throws {
        try await SampleHarness.run(skipTime: false) { env, _ in
            try await env.start(Subscription.self, id: "sub-cancel", input: Self.input("sub-cancel"))
            // The first period ends: the run charges and continues as new while the signal is sent.
            try await Self.endPeriod(env, "sub-cancel")
            try await env.waitUntil("the first period is charged", timeout: SampleHarness.patience) {
                try await SubscriptionDunningTests.ledger(env, "sub-cancel", "succeeded") == 1
            }
            try await env.signal("sub-cancel", "cancel", JSONValue.null)
            let outcome = try await env.result(Subscription.self, id: "sub-cancel", timeout: SampleHarness.patience)
            #expect(outcome == .init(status: "canceled", periodsBilled: 1))
            #expect(try await SubscriptionDunningTests.ledger(env, "sub-cancel", "succeeded") == 1)
        }
    }

    @Test func aThousandPeriodsKeepEveryRunsHistoryUnderAHundredEvents() async throws {
        try await SampleHarness.run { env, _ in
            var input = Self.input("sub-long", maxPeriods: 1_000)
            input.periodSeconds = 1
            try await env.start(Subscription.self, id: "sub-long", input: input)
            let outcome = try await env.result(Subscription.self, id: "sub-long", timeout: .seconds(600))
            #expect(outcome == .init(status: "completed", periodsBilled: 1_000))
            #expect(try await Self.runs(env, "sub-long") == 1_001)
            let longest = try await SampleHarness.count(
                env, "SELECT max(next_event_id - 1)::int FROM reprise.workflow_executions WHERE workflow_id = 'sub-long'")
            #expect(longest < 100, "the longest run has \(longest) events")
        }
    }
}
