import Foundation
import Synchronization
import Workflow

/// Bills one customer every period for as long as the subscription lasts. Each period is one run:
/// wait out the period, charge, and on a decline collect the payment with ``SubscriptionDunning``
/// as a child workflow; then continue-as-new into the next period, so a subscription billed every
/// month for years keeps a short history. A `cancel` signal ends it, whenever it is sent: at once
/// during the period's wait, and when sent later in the period (during the charge, dunning or the
/// switch to the next run), at the start of the next run, before it charges. A `paymentSucceeded`
/// signal (``PaidInvoice``, from Stripe's `invoice.payment_succeeded` webhook) during dunning is
/// passed to the dunning child, which then ends paid; at any other time the period's own charge
/// has settled it, and it changes nothing.
public struct Subscription: Workflow {
    public static let name = "Subscription"

    public struct Input: Codable, Sendable {
        public var subscriptionId: String
        public var customer: String
        /// Where billing and dunning e-mails go.
        public var email: String
        public var amountCents: Int
        /// `usd` by default.
        public var currency: String?
        /// The card token to charge, such as `tok_visa` or `tok_chargeDeclined`.
        public var paymentSource: String
        /// The billing period in seconds; 30 days by default.
        public var periodSeconds: Double?
        /// The dunning child's waits between charge attempts, in seconds; its own default when absent.
        public var retryScheduleSeconds: [Double]?
        /// Periods billed before this run, carried from run to run; 0 for a new subscription.
        public var periodsBilled: Int?
        /// Ends the subscription after this many periods (a fixed term); it renews forever when absent.
        public var maxPeriods: Int?

        public init(
            subscriptionId: String, customer: String, email: String, amountCents: Int, currency: String? = nil, paymentSource: String,
            periodSeconds: Double? = nil, retryScheduleSeconds: [Double]? = nil, periodsBilled: Int? = nil, maxPeriods: Int? = nil
        ) {
            self.subscriptionId = subscriptionId
            self.customer = customer
            self.email = email
            self.amountCents = amountCents
            self.currency = currency
            self.paymentSource = paymentSource
            self.periodSeconds = periodSeconds
            self.retryScheduleSeconds = retryScheduleSeconds
            self.periodsBilled = periodsBilled
            self.maxPeriods = maxPeriods
        }
    }

    public struct Outcome: Codable, Sendable, Equatable {
        /// `canceled` (the signal), `completed` (``Input/maxPeriods`` billed) or `unpaid` (dunning gave up).
        public var status: String
        /// Periods billed over the subscription's life.
        public var periodsBilled: Int
    }

    public static let defaultPeriodSeconds: Double = 30 * 86_400

    public init() {}

    public func run(context: WorkflowContext, input: Input) async throws -> Outcome {
        let period = try Duration.seconds(checked: input.periodSeconds ?? Self.defaultPeriodSeconds, field: "periodSeconds")
        guard period >= .seconds(1) else {
            throw InvalidArgumentFailure(field: "periodSeconds", message: "periodSeconds must be at least 1, got \(period.seconds)")
        }
        let billed = input.periodsBilled ?? 0
        // Search attributes (`reprise workflow list --query "customer = 'cus_1'"`): each run of the
        // chain sets them (a new run inherits them too); runs started before them replay without.
        if context.patched("search-attributes") {
            try context.upsertSearchAttributes([
                "customer": .string(input.customer), "subscriptionId": .string(input.subscriptionId), "periodsBilled": .int(Int64(billed)),
            ])
        }
        if let maxPeriods = input.maxPeriods, billed >= maxPeriods { return Outcome(status: "completed", periodsBilled: billed) }
        // Runs started before the `paymentSucceeded` signal replay with the child they recorded.
        let forwarding = context.patched("payment-succeeded-signal") ? DunningForwarding(context: context) : nil
        // The period's wait is the one place a cancel is taken: one sent later in the period is
        // carried into the next run's history, whose wait takes it at once.
        if try await context.waitForSignal("cancel", as: JSONValue.self, timeout: period) != nil {
            return Outcome(status: "canceled", periodsBilled: billed)
        }
        let charge = try await context.execute(
            ChargePayment.self,
            .init(
                amountCents: input.amountCents, currency: input.currency ?? "usd", source: input.paymentSource,
                subscriptionId: input.subscriptionId, description: "Subscription \(input.subscriptionId), period \(billed + 1)"),
            options: SampleSupport.external)
        if !charge.succeeded {
            let child = try await context.startChild(
                SubscriptionDunning.self,
                .init(
                    subscriptionId: input.subscriptionId, customer: input.customer, email: input.email, amountCents: input.amountCents,
                    currency: input.currency, paymentSource: input.paymentSource, retryScheduleSeconds: input.retryScheduleSeconds,
                    declinedCharge: charge),
                options: .init(workflowId: "\(context.info.workflowId)-dunning-\(billed + 1)"))
            forwarding?.dunning(child)
            let dunning = try await child.result()
            guard dunning.status == "paid" else { return Outcome(status: "unpaid", periodsBilled: billed) }
        }
        var next = input
        next.periodsBilled = billed + 1
        try await context.continueAsNew(input: next)
    }
}

/// Passes ``Subscription``'s `paymentSucceeded` signals to its dunning child while one runs.
final class DunningForwarding: Sendable {
    private let child = Mutex<ChildWorkflowHandle<SubscriptionDunning>?>(nil)

    init(context: WorkflowContext) {
        context.setSignalHandler("paymentSucceeded", as: PaidInvoice.self) { [self] invoice in
            guard let dunning = child.withLock({ $0 }) else { return }
            do {
                try await dunning.signal("paymentSucceeded", invoice)
            } catch is ChildWorkflowFailure {
                // The child closed first (it collected the payment itself): nothing left to tell it.
            }
        }
    }

    /// The dunning child now running.
    func dunning(_ handle: ChildWorkflowHandle<SubscriptionDunning>) { child.withLock { $0 = handle } }
}
