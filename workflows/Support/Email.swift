import AsyncHTTPClient
import Foundation
import NIOCore
import PostgresNIO
import Workflow

/// `email.send`: writes the message to the `email_outbox` table, once per activity (keyed by its
/// idempotency key), and hands it to the configured delivery, if any.
///
/// Without a delivery the message stays in the outbox with status `held`: nothing leaves the
/// machine, and `reprise outbox list` shows what would have been sent. With an
/// ``HTTPEmailDelivery`` it is sent and marked `sent` with the provider's message id.
public struct SendEmail: Activity {
    public static let name = "email.send"

    public struct Input: Codable, Sendable {
        public var to: String
        public var subject: String
        public var body: String

        public init(to: String, subject: String, body: String) {
            self.to = to
            self.subject = subject
            self.body = body
        }
    }

    public struct Output: Codable, Sendable, Equatable {
        public var outboxId: Int64
        /// `held` (kept in the outbox) or `sent`.
        public var status: String
    }

    let database: PostgresClient
    let delivery: (any EmailDelivery)?

    public init(database: PostgresClient, delivery: (any EmailDelivery)?) {
        self.database = database
        self.delivery = delivery
    }

    public func run(input: Input) async throws -> Output {
        guard input.to.contains("@") else {
            throw ApplicationFailure("\"\(input.to)\" is not an e-mail address", type: "InvalidEmailAddress", nonRetryable: true)
        }
        let info = try SampleSupport.attempt()
        let key = info.idempotencyKey
        let provider = delivery?.name ?? "outbox"
        try await database.query(
            """
            INSERT INTO reprise_samples.email_outbox (idempotency_key, namespace, workflow_id, to_address, subject, body, provider, status)
            VALUES (\(key), \(info.namespace), \(info.workflowId), \(input.to), \(input.subject), \(input.body), \(provider), 'held')
            ON CONFLICT (idempotency_key) DO NOTHING
            """, logger: SampleSupport.queryLogger
        ).drain()
        var row: (Int64, String)?
        for try await found in try await database.query(
            "SELECT id, status FROM reprise_samples.email_outbox WHERE namespace = \(info.namespace) AND idempotency_key = \(key)", logger: SampleSupport.queryLogger
        ).decode((Int64, String).self) { row = found }
        guard let (id, status) = row else { throw ApplicationFailure("the outbox row for \(key) vanished", type: "OutboxRowMissing") }
        guard status == "held", let delivery else { return Output(outboxId: id, status: status) }
        let messageId = try await delivery.deliver(input, idempotencyKey: key)
        try await database.query(
            "UPDATE reprise_samples.email_outbox SET status = 'sent', provider_message_id = \(messageId) WHERE namespace = \(info.namespace) AND id = \(id)",
            logger: SampleSupport.queryLogger
        ).drain()
        return Output(outboxId: id, status: "sent")
    }
}

/// Something that really sends e-mail.
public protocol EmailDelivery: Sendable {
    /// The provider's name, recorded in the outbox.
    var name: String { get }
    /// Sends the message and returns the provider's message id. A provider that honours the key
    /// sends a retried message once.
    func deliver(_ message: SendEmail.Input, idempotencyKey: String) async throws -> String
}

/// Sends through an HTTP e-mail API in Resend's wire format: `POST {base}/emails` with a bearer
/// key, an `Idempotency-Key` header and `{"from","to":[…],"subject","text"}`; the answer's `id` is
/// the message id.
public struct HTTPEmailDelivery: EmailDelivery {
    public var name: String { "http" }
    let baseURL: String
    let apiKey: String
    let from: String
    let http: HTTPClient

    public init(baseURL: String, apiKey: String, from: String, http: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.from = from
        self.http = http
    }

    public func deliver(_ message: SendEmail.Input, idempotencyKey: String) async throws -> String {
        var request = HTTPClientRequest(url: baseURL + "/emails")
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(apiKey)")
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "idempotency-key", value: idempotencyKey)
        let body: JSONValue = .object([
            "from": .string(from), "to": .array([.string(message.to)]), "subject": .string(message.subject), "text": .string(message.body),
        ])
        request.body = .bytes(ByteBuffer(string: body.compactDescription))
        let answer = try await SampleHTTP.send(request, with: http, timeout: .seconds(30), service: "the e-mail provider")
        guard (200..<300).contains(answer.status) else { throw answer.failure(service: "the e-mail provider") }
        guard case .string(let id)? = answer.json["id"] else {
            throw ApplicationFailure("the e-mail provider answered without an id: \(answer.body.prefix(200))", type: "EmailProviderBadAnswer")
        }
        return id
    }
}

/// The outbox, as `reprise outbox list` shows it.
public enum Outbox {
    /// One message in the outbox.
    public struct Entry: Codable, Sendable, Equatable {
        public var id: Int64
        public var workflowId: String?
        public var to: String
        public var subject: String
        public var body: String
        public var provider: String
        public var status: String
        public var createdAt: Date
    }

    /// The newest messages of one namespace first, optionally only those of one of its workflows.
    public static func list(
        database: PostgresClient, namespace: String = "default", workflowId: String? = nil, limit: Int = 50
    ) async throws -> [Entry] {
        var entries: [Entry] = []
        let rows = try await database.query(
            """
            SELECT id, workflow_id, to_address, subject, body, provider, status, created_at FROM reprise_samples.email_outbox
            WHERE namespace = \(namespace) AND (\(workflowId)::text IS NULL OR workflow_id = \(workflowId)) ORDER BY id DESC LIMIT \(limit)
            """, logger: SampleSupport.queryLogger)
        for try await (id, workflow, to, subject, body, provider, status, created) in rows.decode(
            (Int64, String?, String, String, String, String, String, Date).self)
        {
            entries.append(
                Entry(id: id, workflowId: workflow, to: to, subject: subject, body: body, provider: provider, status: status, createdAt: created))
        }
        return entries
    }
}
