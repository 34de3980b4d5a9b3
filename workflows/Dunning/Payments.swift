import AsyncHTTPClient
import Foundation
import NIOCore
import PostgresNIO
import Workflow

/// `payments.charge`: charges a payment source through the configured provider, passing the
/// activity's idempotency key, so a retried attempt never charges twice. A decline is a result,
/// not an error: the workflow decides what a decline means.
public struct ChargePayment: Activity {
    public static let name = "payments.charge"

    public struct Input: Codable, Sendable, Equatable {
        public var amountCents: Int
        /// An ISO currency code, lower case: `usd`.
        public var currency: String
        /// A card token, such as Stripe's test tokens `tok_visa` and `tok_chargeDeclined`.
        public var source: String
        public var subscriptionId: String?
        public var description: String?

        public init(amountCents: Int, currency: String, source: String, subscriptionId: String? = nil, description: String? = nil) {
            self.amountCents = amountCents
            self.currency = currency
            self.source = source
            self.subscriptionId = subscriptionId
            self.description = description
        }
    }

    public struct Output: Codable, Sendable, Equatable {
        /// `succeeded` or `declined`.
        public var status: String
        public var chargeId: String
        /// Why it was declined, in Stripe's terms (`card_declined`, `insufficient_funds`, …).
        public var declineCode: String?
        public var succeeded: Bool { status == "succeeded" }
    }

    let provider: any PaymentsProvider

    public init(provider: any PaymentsProvider) { self.provider = provider }

    public func run(input: Input) async throws -> Output {
        guard input.amountCents > 0 else {
            throw ApplicationFailure("a charge must be for a positive amount, got \(input.amountCents) cents", type: "InvalidAmount", nonRetryable: true)
        }
        return try await provider.charge(input, idempotencyKey: try SampleSupport.idempotencyKey())
    }
}

/// A payment provider. Implementations must honour the idempotency key: the same key charges once
/// and answers the same way every time.
public protocol PaymentsProvider: Sendable {
    func charge(_ charge: ChargePayment.Input, idempotencyKey: String) async throws -> ChargePayment.Output
}

/// The default provider, and honest about it: a **sandbox** that moves no money. It writes every
/// charge to the `payment_ledger` table and answers as Stripe's test mode does for its documented
/// test tokens: `tok_visa`, `tok_mastercard`, `tok_amex` succeed; `tok_chargeDeclined`,
/// `tok_chargeDeclinedInsufficientFunds` and `tok_chargeDeclinedExpiredCard` decline.
public struct SandboxPayments: PaymentsProvider {
    static let outcomes: [String: String?] = [
        "tok_visa": nil, "tok_visa_debit": nil, "tok_mastercard": nil, "tok_amex": nil,
        "tok_chargeDeclined": "card_declined", "tok_chargeDeclinedInsufficientFunds": "insufficient_funds",
        "tok_chargeDeclinedExpiredCard": "expired_card",
    ]

    let database: PostgresClient

    public init(database: PostgresClient) { self.database = database }

    public func charge(_ charge: ChargePayment.Input, idempotencyKey: String) async throws -> ChargePayment.Output {
        guard let declineCode = Self.outcomes[charge.source] else {
            throw ApplicationFailure(
                "no such token: \(charge.source); the sandbox knows \(Self.outcomes.keys.sorted().joined(separator: ", "))", type: "InvalidPaymentSource",
                nonRetryable: true)
        }
        let namespace = try SampleSupport.namespace()
        let chargeId = "ch_sandbox_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24)
        let status = declineCode == nil ? "succeeded" : "declined"
        // A repeated key keeps the first row: the retry gets the first answer, and no second charge.
        try await database.query(
            """
            INSERT INTO reprise_samples.payment_ledger (namespace, idempotency_key, charge_id, subscription_id, amount_cents, currency, source, status, decline_code)
            VALUES (\(namespace), \(idempotencyKey), \(String(chargeId)), \(charge.subscriptionId), \(charge.amountCents), \(charge.currency), \(charge.source),
                    \(status), \(declineCode))
            ON CONFLICT (idempotency_key) DO NOTHING
            """, logger: SampleSupport.queryLogger
        ).drain()
        for try await (id, status, code) in try await database.query(
            "SELECT charge_id, status, decline_code FROM reprise_samples.payment_ledger WHERE namespace = \(namespace) AND idempotency_key = \(idempotencyKey)",
            logger: SampleSupport.queryLogger
        ).decode((String, String, String?).self) {
            return ChargePayment.Output(status: status, chargeId: id, declineCode: code)
        }
        throw ApplicationFailure("the ledger row for \(idempotencyKey) vanished", type: "LedgerRowMissing")
    }
}

/// Stripe's Charges API over HTTP: `POST {base}/v1/charges`, form-encoded, with the secret key as
/// a bearer token and the activity's idempotency key as `Idempotency-Key`.
public struct StripePayments: PaymentsProvider {
    let baseURL: String
    let apiKey: String
    let http: HTTPClient

    public init(baseURL: String = "https://api.stripe.com", apiKey: String, http: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.http = http
    }

    public func charge(_ charge: ChargePayment.Input, idempotencyKey: String) async throws -> ChargePayment.Output {
        var form = [("amount", String(charge.amountCents)), ("currency", charge.currency), ("source", charge.source)]
        if let description = charge.description { form.append(("description", description)) }
        if let subscription = charge.subscriptionId { form.append(("metadata[subscription_id]", subscription)) }
        var request = HTTPClientRequest(url: baseURL + "/v1/charges")
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(apiKey)")
        request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "idempotency-key", value: idempotencyKey)
        request.body = .bytes(ByteBuffer(string: form.map { "\(Self.encode($0))=\(Self.encode($1))" }.joined(separator: "&")))
        let answer = try await SampleHTTP.send(request, with: http, timeout: .seconds(60), service: "Stripe")
        let json = answer.json
        if (200..<300).contains(answer.status), case .string(let id)? = json["id"] {
            let status = json["status"] == .string("succeeded") ? "succeeded" : "declined"
            return ChargePayment.Output(status: status, chargeId: id, declineCode: status == "succeeded" ? nil : Self.string(json["failure_code"]))
        }
        // A card error is a decline; Stripe still names the failed charge.
        if answer.status == 402, let error = json["error"], error["type"] == .string("card_error") {
            return ChargePayment.Output(
                status: "declined", chargeId: Self.string(error["charge"]) ?? "-",
                declineCode: Self.string(error["decline_code"]) ?? Self.string(error["code"]))
        }
        throw answer.failure(service: "Stripe")
    }

    private static func string(_ value: JSONValue?) -> String? {
        if case .string(let text)? = value { return text }
        return nil
    }

    private static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// `subscriptions.setStatus`: records a subscription's state (`active`, `past_due`, `canceled`)
/// in the `subscriptions` table, within the run's namespace.
public struct SetSubscriptionStatus: Activity {
    public static let name = "subscriptions.setStatus"

    public struct Input: Codable, Sendable {
        public var subscriptionId: String
        public var customer: String
        public var status: String
    }

    let database: PostgresClient

    public init(database: PostgresClient) { self.database = database }

    public func run(input: Input) async throws -> Bool {
        guard ["active", "past_due", "canceled"].contains(input.status) else {
            throw ApplicationFailure("a subscription is active, past_due or canceled, not \(input.status)", type: "InvalidStatus", nonRetryable: true)
        }
        try await database.query(
            """
            INSERT INTO reprise_samples.subscriptions (namespace, id, customer, status)
            VALUES (\(try SampleSupport.namespace()), \(input.subscriptionId), \(input.customer), \(input.status))
            ON CONFLICT (namespace, id) DO UPDATE SET status = excluded.status, updated_at = now()
            """, logger: SampleSupport.queryLogger
        ).drain()
        return true
    }
}
