import Foundation
import Hummingbird
import Store
import Workflow

extension API {
    /// The answer to a provider's delivery: any 2xx tells it to stop retrying.
    struct WebhookReceipt: Encodable {
        var deliveryId: UUID?
        var state: WebhookDeliveryState?
        var runId: UUID?
        var started: Bool?
        var reason: String?
        /// The event id was stored before; nothing was done again.
        var duplicate: Bool?

        init(_ outcome: WebhookOutcome) {
            switch outcome {
            case .delivered(let id, let runId, let started): (deliveryId, state, self.runId, self.started) = (id, .delivered, runId, started)
            case .deadLettered(let id, let reason): (deliveryId, state, self.reason) = (id, .deadLettered, reason)
            case .duplicate: duplicate = true
            }
        }
    }

    struct WebhookDeliveries: Encodable {
        var deliveries: [WebhookDelivery]
    }
}

extension APIServer {
    /// `POST /api/v1/namespaces/{ns}/webhooks/{source}`, the one API route that takes no token (its
    /// signature is its credential), and the token-guarded routes over stored deliveries.
    func addWebhookRoutes(to router: Router<BasicRequestContext>) {
        router.post("/api/v1/namespaces/:namespace/webhooks/:source") { request, context in
            try await receiveWebhook(request, context: context)
        }

        let deliveries = router.group("/api/v1/namespaces/:namespace/webhook-deliveries")
        deliveries.get { request, context in
            let namespace = try Self.pathParameter("namespace", in: context)
            try await authorize(request, namespace: namespace, needs: .reader)
            let state = try request.uri.queryParameters["state"].map { text in
                guard let state = WebhookDeliveryState(rawValue: String(text)) else {
                    throw APIError.badRequest("state must be one of \(WebhookDeliveryState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return state
            }
            let limit = try Self.limit(request.uri.queryParameters["limit"].map(String.init))
            let found = try await database { [store] in try await store.webhookDeliveries(namespace: namespace, state: state, limit: limit) }
            return try JSONBody.response(API.WebhookDeliveries(deliveries: found))
        }

        deliveries.get(":id") { request, context in
            let (namespace, id) = try deliveryParameters(context)
            try await authorize(request, namespace: namespace, needs: .reader)
            return try JSONBody.response(try await database { [store] in try await store.webhookDelivery(namespace: namespace, id: id) })
        }

        deliveries.post(":id/retry") { request, context in
            let (namespace, id) = try deliveryParameters(context)
            try await authorize(request, namespace: namespace, needs: .writer)
            let delivery = try await database { [store] in try await store.webhookDelivery(namespace: namespace, id: id) }
            let event = WebhookEvent(
                namespace: namespace, source: delivery.source, eventId: delivery.eventId, eventType: delivery.eventType, payload: delivery.payload)
            let route = route(event)
            let outcome = try await database { [store, clock] in
                try await store.retryWebhookDelivery(namespace: namespace, id: id, route: route, at: clock.now)
            }
            if case .deadLettered(_, let reason) = outcome {
                throw APIError(.conflict, code: "WebhookUnroutable", "webhook delivery \(id) is still dead-lettered: \(reason)")
            }
            return try JSONBody.response(API.WebhookReceipt(outcome))
        }
    }

    private func deliveryParameters(_ context: BasicRequestContext) throws -> (String, UUID) {
        guard let id = UUID(uuidString: try Self.pathParameter("id", in: context)) else {
            throw APIError.badRequest("a webhook delivery id is a UUID")
        }
        return (try Self.pathParameter("namespace", in: context), id)
    }

    /// The event's route under the current mappings (none when the server has none).
    private func route(_ event: WebhookEvent) -> WebhookRoute {
        guard let webhooks = configuration.webhooks else { return .unroutable(reason: "the server has no webhook mappings") }
        return webhooks.mappings.route(event, limits: configuration.limits, defaultTaskQueue: configuration.defaultTaskQueue)
    }

    /// A provider's delivery: the source and namespace it may use, its size, its signature, then
    /// its JSON; only then is it stored and routed. A refusal before the JSON stores nothing and
    /// only counts (`reprise_webhook_rejected_total`).
    private func receiveWebhook(_ request: Request, context: BasicRequestContext) async throws -> Response {
        var request = request
        let namespace = try Self.pathParameter("namespace", in: context)
        let sourceName = try Self.pathParameter("source", in: context)
        try configuration.limits.checkIdentifier(namespace, field: "namespace")
        guard let webhooks = configuration.webhooks, let source = webhooks.mappings.sources[sourceName] else {
            throw rejectWebhook(source: nil, .unknownSource, status: .notFound, "no webhook source \"\(sourceName.prefix(80))\" is configured")
        }
        guard source.namespaces.contains(namespace) else {
            throw rejectWebhook(
                source: source.name, .namespaceNotAllowed, status: .notFound, "webhook source \"\(source.name)\" does not deliver to this namespace")
        }
        guard let secret = webhooks.secrets[source.name] else {
            throw rejectWebhook(
                source: source.name, .missingSecret, status: .unauthorized,
                "webhook source \"\(source.name)\" has no secret (\(WebhookConfiguration.secretVariable(for: source.name)))")
        }
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.collectBody(upTo: webhooks.maxBodySize))
        } catch {
            throw APIError(.contentTooLarge, code: "PayloadTooLarge", "the request body is larger than \(webhooks.maxBodySize) bytes")
        }
        if let rejection = WebhookSignature.check(source.scheme, headers: request.headers, body: body, secret: secret, now: clock.now) {
            throw rejectWebhook(source: source.name, rejection, status: .unauthorized, "the webhook signature is not valid")
        }
        let event = try webhookEvent(body, namespace: namespace, source: source)
        let route = route(event)
        let outcome = try await database { [store, clock] in try await store.receiveWebhook(event, route: route, at: clock.now) }
        if case .deadLettered(let id, let reason) = outcome {
            logger.warning(
                "Webhook event dead-lettered",
                metadata: ["webhook.source": "\(source.name)", "webhook.delivery.id": "\(id)", "webhook.reason": "\(reason)"])
        }
        // A dead-lettered event is stored: the provider must not retry it, so it is a 2xx too.
        let status: HTTPResponse.Status = if case .deadLettered = outcome { .accepted } else { .ok }
        return try JSONBody.response(API.WebhookReceipt(outcome), status: status)
    }

    /// The event in a signed body: its JSON, id and type (400 for any of them missing or bad).
    private func webhookEvent(_ body: [UInt8], namespace: String, source: WebhookMappings.Source) throws -> WebhookEvent {
        let payload: Payload
        do {
            payload = try JSONCoding.decoder.decode(Payload.self, from: Data(body))
        } catch {
            throw APIError.badRequest("the webhook body is not valid JSON")
        }
        try configuration.limits.checkPayload(payload, field: "the webhook body")
        func field(_ path: PayloadPath, _ name: String) throws -> String {
            let value: String
            switch path.value(in: payload) {
            case .string(let text)?: value = text
            case .int(let number)?: value = String(number)
            default: throw APIError.badRequest("the webhook body has no \(name) at \(path) (a string)")
            }
            try configuration.limits.checkIdentifier(value, field: "the webhook's \(name)")
            return value
        }
        return WebhookEvent(
            namespace: namespace, source: source.name, eventId: try field(source.eventId, "event id"),
            eventType: try field(source.eventType, "event type"), payload: payload)
    }

    /// Counts a refused delivery and makes its error. The `source` label is a configured source's
    /// name or `unknown`, never what the caller put in the path.
    private func rejectWebhook(source: String?, _ rejection: WebhookRejection, status: HTTPResponse.Status, _ message: String) -> APIError {
        metrics.makeCounter(
            descriptor: .init(
                namespace: "reprise", metricName: "webhook_rejected", unitName: "total", helpText: "Webhook deliveries refused, by source and reason"),
            labels: [("source", source ?? "unknown"), ("reason", rejection.rawValue)]
        ).increment()
        logger.notice("Webhook delivery refused", metadata: ["webhook.source": "\(source ?? "unknown")", "webhook.reason": "\(rejection.rawValue)"])
        return APIError(status, code: status == .notFound ? "WebhookSourceNotFound" : "InvalidSignature", message)
    }
}
