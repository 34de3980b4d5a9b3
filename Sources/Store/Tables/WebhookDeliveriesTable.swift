import Foundation
import PostgresNIO
import Workflow

/// A delivery's `state` column.
public enum WebhookDeliveryState: String, Sendable, Codable, CaseIterable {
    /// Stored, and being routed in the same transaction: no committed row stays in this state.
    case received = "Received"
    /// Its signal was delivered (`runId` names the run).
    case delivered = "Delivered"
    /// It could not be routed (`reason` says why); it waits for an operator's retry.
    case deadLettered = "DeadLettered"
}

/// One stored webhook delivery: the event a provider sent, and what became of it.
public struct WebhookDelivery: Sendable, Codable, Hashable {
    public var id: UUID
    public var namespace: String
    /// The configured source it came from (`stripe`, say).
    public var source: String
    /// The provider's id of the event: the key a redelivery is recognised by.
    public var eventId: String
    public var eventType: String
    public var payload: Payload
    public var state: WebhookDeliveryState
    /// Why it could not be routed, for a dead-lettered delivery.
    public var reason: String?
    public var workflowId: String?
    public var runId: UUID?
    /// How many times it was routed: 1, plus one per retry.
    public var attempts: Int
    public var receivedAt: Date
    public var handledAt: Date?
}

/// `webhook_deliveries`: every signed webhook delivery, unique per (namespace, source, event id)
/// (``Store/receiveWebhook(_:route:at:)``).
enum WebhookDeliveriesTable {
    static let columns = """
        id, namespace, source, event_id, event_type, payload::text, state, reason, workflow_id, run_id, attempts, received_at, handled_at
        """
    typealias Columns = (UUID, String, String, String, String, String, String, String?, String?, UUID?, Int, Date, Date?)

    static func delivery(_ columns: Columns) throws -> WebhookDelivery {
        let (id, namespace, source, eventId, eventType, payload, state, reason, workflowId, runId, attempts, receivedAt, handledAt) = columns
        guard let state = WebhookDeliveryState(rawValue: state) else {
            throw StoreError(.invalidArgument, "webhook delivery \(id) has an unknown state \(state)")
        }
        return WebhookDelivery(
            id: id, namespace: namespace, source: source, eventId: eventId, eventType: eventType,
            payload: try JSONColumn.decode(Payload.self, from: payload) ?? .null, state: state, reason: reason, workflowId: workflowId,
            runId: runId, attempts: attempts, receivedAt: receivedAt, handledAt: handledAt)
    }

    /// Stores a delivery as `Received`, unless its event id was stored before: then no row.
    struct Insert: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            INSERT INTO reprise.webhook_deliveries (id, namespace, source, event_id, event_type, payload, state, received_at)
            VALUES (\(p.bind("uuid") { $0.id }), \(p.bind("text") { $0.event.namespace }), \(p.bind("text") { $0.event.source }),
                \(p.bind("text") { $0.event.eventId }), \(p.bind("text") { $0.event.eventType }),
                \(p.bind("text") { try JSONColumn.encode($0.event.payload) })::jsonb, \(p.bind("text") { _ in WebhookDeliveryState.received.rawValue }),
                \(p.bind("timestamptz") { $0.now }))
            ON CONFLICT (namespace, source, event_id) DO NOTHING
            RETURNING id
            """
        }
        typealias Row = UUID
        var id: UUID
        var event: WebhookEvent
        var now: Date
    }

    /// Records what routing a delivery came to.
    struct SetOutcome: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            UPDATE reprise.webhook_deliveries
            SET state = \(p.bind("text") { $0.state.rawValue }), reason = \(p.bind("text") { $0.reason }),
                workflow_id = \(p.bind("text") { $0.workflowId }), run_id = \(p.bind("uuid") { $0.runId }),
                handled_at = \(p.bind("timestamptz") { $0.now }), attempts = attempts + \(p.bind("int") { $0.retry ? 1 : 0 })
            WHERE id = \(p.bind("uuid") { $0.id })
            """
        }
        typealias Row = Void
        var id: UUID
        var state: WebhookDeliveryState
        var reason: String?
        var workflowId: String?
        var runId: UUID?
        var retry: Bool
        var now: Date
    }

    /// A namespace's deliveries, newest first, optionally in one state.
    struct List: DescribedStatement {
        static let statement = Statement<Self> { p in
            let state = p.bind("text") { $0.state?.rawValue }
            return """
                SELECT \(columns) FROM reprise.webhook_deliveries
                WHERE namespace = \(p.bind("text") { $0.namespace }) AND (\(state) IS NULL OR state = \(state))
                ORDER BY received_at DESC, id DESC LIMIT \(p.bind("int") { $0.limit })
                """
        }
        typealias Row = Columns
        var namespace: String
        var state: WebhookDeliveryState?
        var limit: Int
        func decodeRow(_ row: PostgresRow) throws -> Columns { try row.decode(Columns.self) }
    }

    /// One delivery of a namespace, locked until the transaction ends (a retry reads it so).
    struct Find: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT \(columns) FROM reprise.webhook_deliveries
            WHERE namespace = \(p.bind("text") { $0.namespace }) AND id = \(p.bind("uuid") { $0.id }) FOR UPDATE
            """
        }
        typealias Row = Columns
        var namespace: String
        var id: UUID
        func decodeRow(_ row: PostgresRow) throws -> Columns { try row.decode(Columns.self) }
    }
}
