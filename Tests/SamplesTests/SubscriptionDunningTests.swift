import AsyncHTTPClient
import Foundation
import Logging
import RepriseTesting
@testable import Samples
import Store
import Testing
import TestSupport
import Workflow

@Suite("SubscriptionDunning and the payment providers")
struct SubscriptionDunningTests {
    static func input(_ id: String, source: String) -> SubscriptionDunning.Input {
        SubscriptionDunning.Input(subscriptionId: id, customer: "cus_1", email: "billing@acme.example", amountCents: 4_900, paymentSource: source)
    }

    static func ledger(_ env: TestEnvironment, _ id: String, _ status: String) async throws -> Int {
        try await SampleHarness.count(env, "SELECT count(*)::int FROM reprise_samples.payment_ledger WHERE subscription_id = \(id) AND status = \(status)")
    }

    @Test func aPaymentThatSucceedsOnTheSecondRetryAfterTheCardIsUpdated() async throws {
        try await SampleHarness.run(skipTime: false) { env, _ in
            try await env.start(SubscriptionDunning.self, id: "sub-1", input: Self.input("sub-1", source: "tok_chargeDeclined"))
            try await env.waitUntil("the first charge is declined and a day's wait begins", timeout: SampleHarness.patience) {
                let declined = try await Self.ledger(env, "sub-1", "declined")
                let timers = try await env.describe("sub-1").pendingTimers
                return declined == 1 && !timers.isEmpty
            }
            env.clock.advance(by: .seconds(86_400))
            try await env.waitUntil("the first retry is declined and the three-day wait begins", timeout: SampleHarness.patience) {
                let declined = try await Self.ledger(env, "sub-1", "declined")
                let timers = try await env.describe("sub-1").pendingTimers
                return declined == 2 && !timers.isEmpty
            }
            let waitingSince = env.clock.now
            try await env.signal("sub-1", "paymentMethodUpdated", SubscriptionDunning.PaymentMethodUpdate(paymentSource: "tok_visa"))
            let outcome = try await env.result(SubscriptionDunning.self, id: "sub-1", timeout: SampleHarness.patience)
            #expect(outcome.status == "paid")
            #expect(outcome.attempts == 3)
            let query = try ListQuery(parsing: "customer = 'cus_1' AND WorkflowType = 'SubscriptionDunning'")
            #expect(try await env.store.listWorkflows(namespace: "default", query: query).workflows.map(\.workflowId) == ["sub-1"])
            // The signal cut the three-day wait short: no time passed.
            #expect(env.clock.now == waitingSince)
            #expect(try await Self.ledger(env, "sub-1", "succeeded") == 1)
            #expect(try await Self.ledger(env, "sub-1", "declined") == 2)
            #expect(try await SampleHarness.count(env, "SELECT count(*)::int FROM reprise_samples.email_outbox WHERE workflow_id = 'sub-1'") == 2)
            #expect(try await SampleHarness.count(env, "SELECT count(*)::int FROM reprise_samples.subscriptions WHERE id = 'sub-1' AND status = 'active'") == 1)
        }
    }

    /// Stripe's `invoice.payment_succeeded`, as the webhook mapping sends it: the wait ends, and the
    /// run completes paid with the invoice's charge and no charge of its own.
    @Test func aPaymentMadeElsewhereEndsDunningPaid() async throws {
        try await SampleHarness.run(skipTime: false) { env, _ in
            try await env.start(SubscriptionDunning.self, id: "sub-ext", input: Self.input("sub-ext", source: "tok_chargeDeclined"))
            try await env.waitUntil("the first charge is declined and a day's wait begins", timeout: SampleHarness.patience) {
                let declined = try await Self.ledger(env, "sub-ext", "declined")
                let timers = try await env.describe("sub-ext").pendingTimers
                return declined == 1 && !timers.isEmpty
            }
            let waitingSince = env.clock.now
            let invoice: JSONValue = .object(["id": .string("in_1"), "charge": .string("ch_paid_elsewhere"), "amount_paid": .int(4_900), "status": .string("paid")])
            try await env.signal("sub-ext", "paymentSucceeded", invoice)
            let outcome = try await env.result(SubscriptionDunning.self, id: "sub-ext", timeout: SampleHarness.patience)
            #expect(outcome == .init(status: "paid", attempts: 1, chargeId: "ch_paid_elsewhere"))
            #expect(env.clock.now == waitingSince, "the signal cut the day's wait short")
            #expect(try await Self.ledger(env, "sub-ext", "declined") == 1)
            #expect(try await Self.ledger(env, "sub-ext", "succeeded") == 0, "no charge of its own")
            #expect(try await SampleHarness.count(env, "SELECT count(*)::int FROM reprise_samples.subscriptions WHERE id = 'sub-ext' AND status = 'active'") == 1)
        }
    }

    @Test func aSubscriptionIsCanceledWhenTheScheduleRunsOut() async throws {
        try await SampleHarness.run { env, _ in
            try await env.start(SubscriptionDunning.self, id: "sub-2", input: Self.input("sub-2", source: "tok_chargeDeclined"))
            let outcome = try await env.result(SubscriptionDunning.self, id: "sub-2", timeout: SampleHarness.patience)
            #expect(outcome == .init(status: "canceled", attempts: 4, chargeId: nil))
            #expect(try await Self.ledger(env, "sub-2", "declined") == 4)
            #expect(try await SampleHarness.count(env, "SELECT count(*)::int FROM reprise_samples.subscriptions WHERE id = 'sub-2' AND status = 'canceled'") == 1)
            // Three dunning e-mails, then the final one.
            #expect(try await SampleHarness.count(env, "SELECT count(*)::int FROM reprise_samples.email_outbox WHERE workflow_id = 'sub-2'") == 4)
            #expect(try await SampleHarness.count(env, "SELECT count(*)::int FROM reprise_samples.email_outbox WHERE workflow_id = 'sub-2' AND subject LIKE '%canceled%'") == 1)
            // The default schedule, 1, 3 and 7 days, on the virtual clock.
            let timers = try await env.history("sub-2").compactMap { event -> Double? in
                if case .timerStarted(let started) = event.attributes { return started.startToFireTimeout }
                return nil
            }
            #expect(timers == [86_400, 259_200, 604_800])
        }
    }

    @Test func theSandboxChargesARetriedAttemptOnce() async throws {
        try await SampleHarness.run { env, _ in
            let sandbox = ChargePayment(provider: SandboxPayments(database: env.store.client))
            let charge = ChargePayment.Input(amountCents: 1_000, currency: "usd", source: "tok_visa", subscriptionId: "sub-idem")
            let first = try await ActivityContext.$current.withValue(SampleHarness.attempt("1")) { try await sandbox.run(input: charge) }
            let retried = try await ActivityContext.$current.withValue(SampleHarness.attempt("1", attempt: 2)) { try await sandbox.run(input: charge) }
            #expect(first.succeeded && retried == first)
            #expect(try await Self.ledger(env, "sub-idem", "succeeded") == 1)
            // Another activity is another charge.
            _ = try await ActivityContext.$current.withValue(SampleHarness.attempt("2")) { try await sandbox.run(input: charge) }
            #expect(try await Self.ledger(env, "sub-idem", "succeeded") == 2)
            // An unknown token fails for good, and writes nothing.
            await #expect(throws: ApplicationFailure.self) {
                try await ActivityContext.$current.withValue(SampleHarness.attempt("3")) {
                    try await sandbox.run(input: .init(amountCents: 1_000, currency: "usd", source: "tok_nonsense", subscriptionId: "sub-idem"))
                }
            }
            #expect(try await SampleHarness.count(env, "SELECT count(*)::int FROM reprise_samples.payment_ledger") == 2)
        }
    }

    @Test func stripeGetsTheIdempotencyKeyAndItsDeclinesBecomeResults() async throws {
        let stripe = StandInProvider(paths: ["/v1/charges"]) { received, index in
            if received.text.contains("source=tok_chargeDeclined") {
                return .init(
                    status: 402,
                    body: .object([
                        "error": .object([
                            "type": .string("card_error"), "code": .string("card_declined"), "decline_code": .string("generic_decline"),
                            "charge": .string("ch_declined_\(index)"), "message": .string("Your card was declined."),
                        ])
                    ]))
            }
            if received.text.contains("source=tok_bad") {
                return .init(status: 400, body: .object(["error": .object(["type": .string("invalid_request_error"), "message": .string("No such token")])]))
            }
            return .init(body: .object(["id": .string("ch_ok_\(index)"), "object": .string("charge"), "status": .string("succeeded")]))
        }
        try await stripe.run {
            let provider = StripePayments(baseURL: stripe.baseURL, apiKey: "sk_test_123")
            let paid = try await provider.charge(
                .init(amountCents: 4_900, currency: "usd", source: "tok_visa", subscriptionId: "sub 1"), idempotencyKey: "run-1/1")
            #expect(paid == .init(status: "succeeded", chargeId: "ch_ok_0", declineCode: nil))
            let declined = try await provider.charge(.init(amountCents: 4_900, currency: "usd", source: "tok_chargeDeclined"), idempotencyKey: "run-1/2")
            #expect(declined == .init(status: "declined", chargeId: "ch_declined_1", declineCode: "generic_decline"))
            await #expect(throws: ApplicationFailure.self) {
                try await provider.charge(.init(amountCents: 1, currency: "usd", source: "tok_bad"), idempotencyKey: "run-1/3")
            }
            let first = stripe.requests[0]
            #expect(first.headers["idempotency-key"] == "run-1/1")
            #expect(first.headers["authorization"] == "Bearer sk_test_123")
            #expect(first.headers["content-type"] == "application/x-www-form-urlencoded")
            #expect(first.text == "amount=4900&currency=usd&source=tok_visa&metadata%5Bsubscription_id%5D=sub%201")
            #expect(stripe.requests[1].headers["idempotency-key"] == "run-1/2")
        }
    }
}
