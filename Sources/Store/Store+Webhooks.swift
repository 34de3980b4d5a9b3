import Foundation
import PostgresNIO
import Workflow

/// A signed webhook event, checked and parsed by the server, to store and route.
public struct WebhookEvent: Sendable, Equatable {
    public var namespace: String
    public var source: String
    public var eventId: String
    public var eventType: String
    public var payload: Payload

    public init(namespace: String, source: String, eventId: String, eventType: String, payload: Payload) {
        self.namespace = namespace
        self.source = source
        self.eventId = eventId
        self.eventType = eventType
        self.payload = payload
    }
}

/// Where a webhook event goes, as the server's mapping decided from its payload.
public enum WebhookRoute: Sendable {
    /// A signal to the workflow's open run; a missing or closed run dead-letters the event.
    case signal(workflowId: String, SignalRequest)
    /// Signal-with-start (``Store/signalWithStart(_:signal:at:)``).
    case signalWithStart(StartWorkflowRequest, SignalRequest)
    /// No route: no mapping for its type, or a template field its payload lacks.
    case unroutable(reason: String)
}

/// What became of a webhook event.
public enum WebhookOutcome: Sendable, Equatable {
    /// Its signal reached the run (started by it when `started`).
    case delivered(deliveryId: UUID, runId: UUID, started: Bool)
    /// It is stored as a dead letter, for the reason given.
    case deadLettered(deliveryId: UUID, reason: String)
    /// Its event id was stored before: nothing was done again.
    case duplicate
}

extension Store {
    /// Stores a webhook event and routes it, in one transaction: a redelivery of a stored event id
    /// does nothing (``WebhookOutcome/duplicate``); an event the route cannot deliver (no route,
    /// no such run, a closed run, an id-reuse policy that refuses a start) is stored dead-lettered.
    ///
    /// - Throws: ``StoreError`` `NamespaceNotFound`, `TooManyPendingSignals` (nothing is stored:
    ///   the provider's retry comes back later), and what the database throws.
    public func receiveWebhook(_ event: WebhookEvent, route: WebhookRoute, at now: Date) async throws -> WebhookOutcome {
        try checkRoute(route)
        return try await retryingStartRace {
            try await self.transaction { connection in
                try await self.requireNamespace(event.namespace, on: connection)
                var stored: UUID?
                for try await id in try await connection.execute(
                    WebhookDeliveriesTable.Insert(id: UUID(), event: event, now: now), logger: self.logger)
                {
                    stored = id
                }
                guard let id = stored else { return .duplicate }
                return try await self.route(delivery: id, namespace: event.namespace, route, retry: false, at: now, on: connection)
            }
        }
    }

    /// A namespace's webhook deliveries, newest first, optionally in one state (the dead-letter
    /// list is ``WebhookDeliveryState/deadLettered``).
    public func webhookDeliveries(namespace: String, state: WebhookDeliveryState?, limit: Int) async throws -> [WebhookDelivery] {
        var deliveries: [WebhookDelivery] = []
        for try await columns in try await pool.execute(WebhookDeliveriesTable.List(namespace: namespace, state: state, limit: limit), logger: logger) {
            deliveries.append(try WebhookDeliveriesTable.delivery(columns))
        }
        return deliveries
    }

    /// One webhook delivery.
    ///
    /// - Throws: ``StoreError`` `DeadLetterNotFound` when the namespace has no delivery with this id.
    public func webhookDelivery(namespace: String, id: UUID) async throws -> WebhookDelivery {
        try await transaction { connection in try await self.lockDelivery(namespace: namespace, id: id, on: connection) }
    }

    /// Routes a dead-lettered delivery again, on the route the current mapping gives its payload.
    ///
    /// - Throws: ``StoreError`` `DeadLetterNotFound`, and `DeadLetterAlreadyHandled` for a delivery
    ///   that is not dead-lettered (a delivered event is never signalled twice).
    public func retryWebhookDelivery(namespace: String, id: UUID, route: WebhookRoute, at now: Date) async throws -> WebhookOutcome {
        try checkRoute(route)
        return try await retryingStartRace {
            try await self.transaction { connection in
                let delivery = try await self.lockDelivery(namespace: namespace, id: id, on: connection)
                guard delivery.state == .deadLettered else {
                    throw StoreError(
                        .deadLetterClosed, "webhook delivery \(id) is \(delivery.state.rawValue): only a dead-lettered delivery is retried")
                }
                return try await self.route(delivery: id, namespace: namespace, route, retry: true, at: now, on: connection)
            }
        }
    }

    private func lockDelivery(namespace: String, id: UUID, on connection: PostgresConnection) async throws -> WebhookDelivery {
        for try await columns in try await connection.execute(WebhookDeliveriesTable.Find(namespace: namespace, id: id), logger: logger) {
            return try WebhookDeliveriesTable.delivery(columns)
        }
        throw StoreError(.deadLetterNotFound, "no webhook delivery \(id) in namespace \"\(namespace)\"")
    }

    private func checkRoute(_ route: WebhookRoute) throws {
        switch route {
        case .signal(let workflowId, let signal):
            guard !workflowId.isEmpty else { throw StoreError(.invalidArgument, "a webhook route needs a workflow id") }
            try checkSignalName(signal.name)
        case .signalWithStart(let request, let signal): try checkSignalWithStart(request, signal: signal)
        case .unroutable: break
        }
    }

    /// Delivers a stored delivery's signal, or dead-letters it when the run is missing or closed
    /// or its start is refused: those are decided in Swift before anything is written, so the
    /// transaction is still good for the dead-letter row.
    private func route(delivery id: UUID, namespace: String, _ route: WebhookRoute, retry: Bool, at now: Date, on connection: PostgresConnection) async throws
        -> WebhookOutcome
    {
        func outcome(_ state: WebhookDeliveryState, reason: String?, workflowId: String?, runId: UUID?) async throws {
            try await connection.run(
                WebhookDeliveriesTable.SetOutcome(
                    id: id, state: state, reason: reason, workflowId: workflowId, runId: runId, retry: retry, now: now), logger: logger)
        }
        do {
            let result: StartWorkflowResult
            switch route {
            case .unroutable(let reason):
                try await outcome(.deadLettered, reason: reason, workflowId: nil, runId: nil)
                return .deadLettered(deliveryId: id, reason: reason)
            case .signal(let target, let signal):
                var run = try await lockCurrentRun(namespace: namespace, workflowId: target, runId: nil, on: connection)
                try await deliver(signal.attributes, to: &run, at: now, on: connection)
                result = StartWorkflowResult(runId: run.runId, started: false)
            case .signalWithStart(let request, let signal):
                result = try await signalWithStart(request, signal: signal, at: now, on: connection)
            }
            try await outcome(.delivered, reason: nil, workflowId: route.workflowId, runId: result.runId)
            return .delivered(deliveryId: id, runId: result.runId, started: result.started)
        } catch let error as StoreError where Self.deadLetterCodes.contains(error.code) {
            try await outcome(.deadLettered, reason: error.message, workflowId: route.workflowId, runId: nil)
            return .deadLettered(deliveryId: id, reason: error.message)
        }
    }

    /// The refusals that dead-letter a webhook event rather than fail its request.
    private static let deadLetterCodes: Set<StoreError.Code> = [.workflowNotFound, .workflowClosed, .workflowAlreadyStarted]
}

extension WebhookRoute {
    /// The workflow the route names, if any.
    var workflowId: String? {
        switch self {
        case .signal(let workflowId, _): workflowId
        case .signalWithStart(let request, _): request.workflowId
        case .unroutable: nil
        }
    }
}
