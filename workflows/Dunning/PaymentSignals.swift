import Synchronization
import Workflow

/// The `paymentSucceeded` signal's payload: a paid invoice as Stripe sends it, the `data.object`
/// of `invoice.payment_succeeded` (workflows/examples/webhook-mappings.json routes it). Fields
/// Reprise does not read are ignored.
public struct PaidInvoice: Codable, Sendable, Equatable {
    /// The invoice id (`in_…`).
    public var id: String
    /// The charge that paid it, when Stripe names one.
    public var charge: String?
    /// The amount paid, in cents.
    public var amountPaid: Int?

    enum CodingKeys: String, CodingKey {
        case id, charge
        case amountPaid = "amount_paid"
    }

    public init(id: String, charge: String? = nil, amountPaid: Int? = nil) {
        self.id = id
        self.charge = charge
        self.amountPaid = amountPaid
    }
}

/// What ``SubscriptionDunning`` hears while it waits between charges: a new payment method
/// (`paymentMethodUpdated`, charged at once) or a payment made elsewhere (`paymentSucceeded`,
/// which ends dunning paid). Handlers keep both, so either one ends the wait.
final class DunningInbox: Sendable {
    private struct State {
        var source: String?
        var paid: PaidInvoice?
    }

    private let state = Mutex(State())

    /// Registers the handlers: once per run, before the first wait.
    init(context: WorkflowContext) {
        context.setSignalHandler("paymentMethodUpdated", as: SubscriptionDunning.PaymentMethodUpdate.self) { [self] update in
            state.withLock { $0.source = update.paymentSource }
        }
        context.setSignalHandler("paymentSucceeded", as: PaidInvoice.self) { [self] invoice in
            state.withLock { $0.paid = $0.paid ?? invoice }
        }
    }

    /// The invoice paid elsewhere, once `paymentSucceeded` has come.
    var paid: PaidInvoice? { state.withLock { $0.paid } }

    /// Waits up to `timeout` for either signal.
    ///
    /// - Returns: the new payment source, when `paymentMethodUpdated` came (taken: the next wait
    ///   waits for a newer one).
    func wait(_ timeout: Duration, context: WorkflowContext) async throws -> String? {
        try await context.condition(timeout: timeout) { [self] in state.withLock { $0.source != nil || $0.paid != nil } }
        return state.withLock { state in
            defer { state.source = nil }
            return state.source
        }
    }
}
