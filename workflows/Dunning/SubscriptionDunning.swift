import Foundation
import Workflow

/// Collects a subscription payment: charge, and on a decline send a dunning e-mail, wait per the
/// retry schedule and charge again. A `paymentMethodUpdated` signal cuts the wait short and
/// charges the new source at once; a `paymentSucceeded` signal (``PaidInvoice``: Stripe's
/// `invoice.payment_succeeded`, sent by a signed webhook, docs/webhooks.md) ends it paid, with no
/// further charge. When the schedule runs out the subscription is canceled and a final e-mail is sent.
public struct SubscriptionDunning: Workflow {
    public static let name = "SubscriptionDunning"

    public struct Input: Codable, Sendable {
        public var subscriptionId: String
        public var customer: String
        /// Where dunning e-mails go.
        public var email: String
        public var amountCents: Int
        /// `usd` by default.
        public var currency: String?
        /// The card token to charge, such as `tok_visa` or `tok_chargeDeclined`.
        public var paymentSource: String
        /// The waits between attempts, in seconds; 1, 3 and 7 days by default.
        public var retryScheduleSeconds: [Double]?
        /// The declined charge that started dunning, when the caller made it (``Subscription``
        /// does): it counts as the first attempt, so the card is not charged twice in a row.
        public var declinedCharge: ChargePayment.Output?

        public init(
            subscriptionId: String, customer: String, email: String, amountCents: Int, currency: String? = nil, paymentSource: String,
            retryScheduleSeconds: [Double]? = nil, declinedCharge: ChargePayment.Output? = nil
        ) {
            self.subscriptionId = subscriptionId
            self.customer = customer
            self.email = email
            self.amountCents = amountCents
            self.currency = currency
            self.paymentSource = paymentSource
            self.retryScheduleSeconds = retryScheduleSeconds
            self.declinedCharge = declinedCharge
        }
    }

    /// The payload of the `paymentMethodUpdated` signal.
    public struct PaymentMethodUpdate: Codable, Sendable {
        public var paymentSource: String
        public init(paymentSource: String) { self.paymentSource = paymentSource }
    }

    public struct Outcome: Codable, Sendable, Equatable {
        /// `paid` or `canceled`.
        public var status: String
        /// Charge attempts made, the first included.
        public var attempts: Int
        /// The successful charge.
        public var chargeId: String?
    }

    public static let defaultSchedule: [Double] = [86_400, 3 * 86_400, 7 * 86_400]

    public init() {}

    public func run(context: WorkflowContext, input: Input) async throws -> Outcome {
        // Checked before the first charge: a wait out of range fails the run at once, naming it.
        let schedule = try (input.retryScheduleSeconds ?? Self.defaultSchedule).enumerated().map { index, seconds in
            try Duration.seconds(checked: seconds, field: "retryScheduleSeconds[\(index)]")
        }
        // Search attributes (`reprise workflow list --query "customer = 'cus_1'"`); runs started
        // before them replay without.
        if context.patched("search-attributes") {
            try context.upsertSearchAttributes(["customer": .string(input.customer), "subscriptionId": .string(input.subscriptionId)])
        }
        // Runs started before the `paymentSucceeded` signal replay with the wait they recorded.
        let inbox = context.patched("payment-succeeded-signal") ? DunningInbox(context: context) : nil
        var source = input.paymentSource
        var attempts = 0
        while true {
            attempts += 1
            let charge =
                if attempts == 1, let declined = input.declinedCharge, !declined.succeeded {
                    declined
                } else {
                    try await context.execute(
                        ChargePayment.self,
                        .init(
                            amountCents: input.amountCents, currency: input.currency ?? "usd", source: source,
                            subscriptionId: input.subscriptionId, description: "Subscription \(input.subscriptionId)"),
                        options: SampleSupport.external)
                }
            if charge.succeeded {
                try await setStatus("active", context: context, input: input)
                return Outcome(status: "paid", attempts: attempts, chargeId: charge.chargeId)
            }
            if attempts == 1 { try await setStatus("past_due", context: context, input: input) }
            guard attempts <= schedule.count else { break }
            let wait = schedule[attempts - 1]
            try await email(
                "Your payment did not go through",
                "We could not charge your card for subscription \(input.subscriptionId) (\(charge.declineCode ?? "declined")). "
                    + "We will try again on \(context.now.addingTimeInterval(wait.seconds).formatted(.iso8601)). "
                    + "Update your payment method and we will retry at once.",
                context: context, input: input)
            if let inbox {
                if let newSource = try await inbox.wait(wait, context: context) { source = newSource }
                if let invoice = inbox.paid {
                    try await setStatus("active", context: context, input: input)
                    return Outcome(status: "paid", attempts: attempts, chargeId: invoice.charge ?? invoice.id)
                }
            } else if let update = try await context.waitForSignal("paymentMethodUpdated", as: PaymentMethodUpdate.self, timeout: wait) {
                source = update.paymentSource
            }
        }
        try await setStatus("canceled", context: context, input: input)
        try await email(
            "Your subscription has been canceled",
            "We tried \(attempts) times to charge your card for subscription \(input.subscriptionId) and could not, so it is canceled. "
                + "You can subscribe again at any time.",
            context: context, input: input)
        return Outcome(status: "canceled", attempts: attempts, chargeId: nil)
    }

    private func setStatus(_ status: String, context: WorkflowContext, input: Input) async throws {
        _ = try await context.execute(
            SetSubscriptionStatus.self, .init(subscriptionId: input.subscriptionId, customer: input.customer, status: status), options: SampleSupport.local)
    }

    private func email(_ subject: String, _ body: String, context: WorkflowContext, input: Input) async throws {
        _ = try await context.execute(SendEmail.self, .init(to: input.email, subject: subject, body: body), options: SampleSupport.external)
    }
}
