import Activities
import AsyncHTTPClient
import Foundation
import Gateway
import PostgresNIO
import Workflow

/// The sample workflows and their activities, as `reprise dev` and `reprise worker` register them.
public enum Samples {
    /// Every sample workflow type.
    public static let workflows: [any Workflow.Type] = [
        CardCheckout.self, LeadNurture.self, Subscription.self, SubscriptionDunning.self, TripSaga.self, VideoTranscode.self,
    ]

    /// Every sample activity, on the samples' tables in `database` and with the providers that
    /// `environment` configures (see ``Providers``); `media.publish` moves folders under `media`'s
    /// roots only. `llm.complete` and the media activities are built-ins, registered beside these.
    public static func activities(database: PostgresClient, providers: Providers, media: MediaConfiguration) -> [any Activity] {
        [
            DemoCharge(), EnrichLead(database: database), RememberLead(database: database), PromptLead(database: database),
            SendEmail(database: database, delivery: providers.email), BookMeeting(database: database),
            ChargePayment(provider: providers.payments), SetSubscriptionStatus(database: database),
            BookTripItem(database: database), CancelTripItem(database: database),
            PublishVideo(database: database, media: media), HTTPRequest(egress: providers.egress),
        ]
    }

    /// Where the samples reach the outside world.
    public struct Providers: Sendable {
        /// Charges cards: the sandbox ledger by default, Stripe when a key is set.
        public var payments: any PaymentsProvider
        /// Sends e-mail; `nil` keeps every message in the outbox.
        public var email: (any EmailDelivery)?
        public var http: HTTPClient
        /// Where `http.request` may call: internet addresses only unless the worker's allow-list says more.
        public var egress: EgressPolicy

        public init(payments: any PaymentsProvider, email: (any EmailDelivery)?, http: HTTPClient = .shared, egress: EgressPolicy = EgressPolicy()) {
            self.payments = payments
            self.email = email
            self.http = http
            self.egress = egress
        }

        /// The providers the environment asks for:
        /// - `STRIPE_API_KEY` (and optionally `STRIPE_BASE_URL`): Stripe; otherwise the sandbox.
        /// - `REPRISE_EMAIL_API_KEY` (with `REPRISE_EMAIL_API_URL`, default `https://api.resend.com`,
        ///   and `REPRISE_EMAIL_FROM`): an HTTP e-mail API; otherwise the outbox only.
        public static func fromEnvironment(
            database: PostgresClient, egress: EgressPolicy, environment: [String: String] = ProcessInfo.processInfo.environment,
            http: HTTPClient = .shared
        ) -> Providers {
            let payments: any PaymentsProvider =
                if let key = environment["STRIPE_API_KEY"], !key.isEmpty {
                    StripePayments(baseURL: environment["STRIPE_BASE_URL"] ?? "https://api.stripe.com", apiKey: key, http: http)
                } else {
                    SandboxPayments(database: database)
                }
            let email: (any EmailDelivery)? = environment["REPRISE_EMAIL_API_KEY"].flatMap { key in
                key.isEmpty
                    ? nil
                    : HTTPEmailDelivery(
                        baseURL: environment["REPRISE_EMAIL_API_URL"] ?? "https://api.resend.com", apiKey: key,
                        from: environment["REPRISE_EMAIL_FROM"] ?? "Reprise samples <samples@example.com>", http: http)
            }
            return Providers(payments: payments, email: email, http: http, egress: egress)
        }
    }
}
