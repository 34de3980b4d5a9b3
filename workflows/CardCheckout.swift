import Workflow

/// The README tour's workflow: charge a card, then wait (briefly) for a receipt to be confirmed.
/// A card ending in 0000 is declined, so the charge lands in the dead-letter queue, where an
/// operator can retry it with another card: `reprise dlq retry ID --input '{…}'`.
public struct CardCheckout: Workflow {
    public static let name = "CardCheckout"

    public struct Input: Codable, Sendable {
        public var orderId: String
        public var card: String
        public var amountCents: Int
    }

    public init() {}

    public func run(context: WorkflowContext, input: Input) async throws -> String {
        let receipt = try await context.execute(
            DemoCharge.self, .init(card: input.card, amountCents: input.amountCents),
            options: ActivityOptions(
                startToCloseTimeout: .seconds(10), retryPolicy: RetryPolicy(initialInterval: .milliseconds(200), maximumAttempts: 3),
                deadLetter: true))
        context.logger.info("charged", metadata: ["order": "\(input.orderId)"])
        return "order \(input.orderId): \(receipt)"
    }
}

/// A stand-in payment provider that is honest about what it is: it declines cards ending in 0000
/// and approves every other, without moving money. It uses the activity's idempotency key as
/// the charge id, as a real provider integration would.
public struct DemoCharge: Activity {
    public static let name = "payments.demoCharge"

    public struct Input: Codable, Sendable {
        public var card: String
        public var amountCents: Int
    }

    public init() {}

    public func run(input: Input) async throws -> String {
        guard !input.card.hasSuffix("0000") else {
            throw ApplicationFailure("card ending 0000 was declined", type: "CardDeclined", nonRetryable: true)
        }
        let key = ActivityContext.current?.info.idempotencyKey ?? "local"
        return "charged \(input.amountCents) cents to card ending \(input.card.suffix(4)) (charge \(key))"
    }
}
