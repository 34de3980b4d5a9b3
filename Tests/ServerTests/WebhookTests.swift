import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Prometheus
import RepriseTesting
import Store
import Testing
import Workflow

@testable import Server

/// Signed webhooks over real HTTP on real Postgres: signatures, dedupe, dead letters and retry.
@Suite struct WebhookTests {
    static let base = "/api/v1/namespaces/default"
    static let stripeSecret = "whsec_test_secret"
    static let acmeSecret = "acme-secret"

    static let mappings = """
        {"sources": {
          "stripe": {"scheme": "stripe", "events": {
            "invoice.payment_succeeded": {"workflowId": "sub-{data.object.subscription}", "signal": "approve", "signalInput": "{data.object.id}"},
            "customer.created": {"workflowId": "cust-{data.object.id}", "signal": "approve", "signalInput": "{data.object.id}",
                                 "start": {"type": "Waiter", "input": "{data.object.email}"}}
          }},
          "acme": {"scheme": "hmac-sha256", "eventId": "meta.id", "eventType": "meta.kind", "events": {
            "order.paid": {"workflowId": "order-{order.id}", "signal": "approve", "signalInput": "paid {order.id}"}
          }}
        }}
        """

    static func run(_ body: @Sendable (APIHarness) async throws -> Void) async throws {
        let webhooks = WebhookConfiguration(
            mappings: try WebhookMappings(json: Data(mappings.utf8)), secrets: ["stripe": stripeSecret, "acme": acmeSecret])
        try await APIHarness.run(configure: { $0.webhooks = webhooks }, body)
    }

    static func invoice(_ eventId: String, subscription: String) -> String {
        #"{"id":"\#(eventId)","type":"invoice.payment_succeeded","data":{"object":{"id":"in_\#(eventId)","subscription":"\#(subscription)"}}}"#
    }

    /// Stripe's header for `body` signed at `time` under `secret`.
    static func stripeSignature(_ body: String, secret: String = stripeSecret, at time: Date = Date()) -> String {
        let t = Int64(time.timeIntervalSince1970)
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(t).\(body)".utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(t),v1=\(mac.map { String(format: "%02x", $0) }.joined())"
    }

    static func post(_ api: APIHarness, _ source: String, _ body: String, headers: HTTPFields) async throws -> APIHarness.Reply {
        try await api.send(.post, "\(base)/webhooks/\(source)", token: .some(nil), body: body, headers: headers)
    }

    static func stripeHeaders(_ signature: String) -> HTTPFields { [HTTPField.Name("Stripe-Signature")!: signature] }

    static func deliveries(_ api: APIHarness) async throws -> [WebhookDelivery] {
        try await api.env.store.webhookDeliveries(namespace: "default", state: nil, limit: 100)
    }

    static func signals(_ api: APIHarness, _ workflowId: String) async throws -> Int {
        try await api.env.history(workflowId).filter { $0.eventType == .workflowExecutionSignaled }.count
    }

    static func rejected(_ api: APIHarness, source: String, reason: String) -> Bool {
        var buffer: [UInt8] = []
        api.server.metrics.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self).contains(#"reprise_webhook_rejected_total{source="\#(source)",reason="\#(reason)"} 1"#)
    }

    /// A good Stripe signature, with no token: the run gets the signal with the mapped input.
    @Test func aSignedStripeEventSignalsItsWorkflow() async throws {
        try await Self.run { api in
            #expect(try await api.send(.post, "\(Self.base)/workflows", body: #"{"workflowId":"sub-1","type":"Waiter","input":"x"}"#).status == 201)
            let body = Self.invoice("evt_1", subscription: "1")
            let reply = try await Self.post(api, "stripe", body, headers: Self.stripeHeaders(Self.stripeSignature(body)))
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["state"] == .string("Delivered"))
            try await api.env.waitUntil("the run completes with the signal") { try await api.env.describe("sub-1").status == .completed }
            #expect(try await api.env.describe("sub-1").result == .string("x: in_evt_1"))
            #expect(try await Self.deliveries(api).map(\.state) == [.delivered])
        }
    }

    /// A signature under another secret, a tampered body, a stale or future timestamp, a missing
    /// or malformed header: 401 each, nothing stored, and each counted by reason.
    @Test func badSignaturesAre401AndStoreNothing() async throws {
        try await Self.run { api in
            #expect(try await api.send(.post, "\(Self.base)/workflows", body: #"{"workflowId":"sub-2","type":"Waiter","input":"x"}"#).status == 201)
            let body = Self.invoice("evt_2", subscription: "2")
            let cases: [(String, HTTPFields, String)] = [
                (body, Self.stripeHeaders(Self.stripeSignature(body, secret: "whsec_other")), "bad_signature"),
                (body.replacingOccurrences(of: "in_evt_2", with: "in_evt_X"), Self.stripeHeaders(Self.stripeSignature(body)), "bad_signature"),
                (body, Self.stripeHeaders(Self.stripeSignature(body, at: Date().addingTimeInterval(-400))), "stale_timestamp"),
                (body, Self.stripeHeaders(Self.stripeSignature(body, at: Date().addingTimeInterval(400))), "stale_timestamp"),
                (body, [:], "missing_signature"),
                (body, Self.stripeHeaders("t=abc,v1=00"), "malformed_signature"),
            ]
            for (sent, headers, _) in cases {
                let reply = try await Self.post(api, "stripe", sent, headers: headers)
                #expect(reply.status == 401, "\(headers): \(reply.text)")
            }
            #expect(try await Self.deliveries(api).isEmpty, "nothing stored")
            #expect(try await Self.signals(api, "sub-2") == 0)
            var buffer: [UInt8] = []
            api.server.metrics.emit(into: &buffer)
            let metrics = String(decoding: buffer, as: UTF8.self)
            #expect(metrics.contains(#"reprise_webhook_rejected_total{source="stripe",reason="bad_signature"} 2"#), "\(metrics)")
            #expect(metrics.contains(#"reprise_webhook_rejected_total{source="stripe",reason="stale_timestamp"} 2"#))
            #expect(Self.rejected(api, source: "stripe", reason: "missing_signature"))
            #expect(Self.rejected(api, source: "stripe", reason: "malformed_signature"))
            // A later good signature still works: several v1 values, one of them right (secret rotation).
            let rotated = Self.stripeSignature(body) + ",v1=" + String(repeating: "0", count: 64)
            #expect(try await Self.post(api, "stripe", body, headers: Self.stripeHeaders(rotated)).status == 200)
        }
    }

    /// A provider retries a delivered event: 200, and the run has one signal.
    @Test func aRedeliveryIsAnsweredOnceAndSignalsOnce() async throws {
        try await Self.run { api in
            #expect(try await api.send(.post, "\(Self.base)/workflows", body: #"{"workflowId":"sub-3","type":"Waiter","input":"x"}"#).status == 201)
            let body = Self.invoice("evt_3", subscription: "3")
            let first = try await Self.post(api, "stripe", body, headers: Self.stripeHeaders(Self.stripeSignature(body)))
            #expect(first.status == 200 && first.json["state"] == .string("Delivered"))
            for _ in 0..<3 {
                let again = try await Self.post(api, "stripe", body, headers: Self.stripeHeaders(Self.stripeSignature(body)))
                #expect(again.status == 200 && again.json["duplicate"] == .bool(true), "\(again.text)")
            }
            #expect(try await Self.signals(api, "sub-3") == 1)
            #expect(try await Self.deliveries(api).count == 1)

            // Ten deliveries of a new event at once, each on its own connection: one signal between them.
            #expect(try await api.send(.post, "\(Self.base)/workflows", body: #"{"workflowId":"sub-3b","type":"Waiter","input":"x"}"#).status == 201)
            let racing = Self.invoice("evt_3b", subscription: "3b")
            let port = try #require(api.client.port)
            var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(60), read: .seconds(60)))
            configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 10
            let codes = try await HTTPClient.withHTTPClient(configuration: configuration) { http in
                try await withThrowingTaskGroup(of: (Int, String).self) { group in
                    for _ in 0..<10 {
                        group.addTask {
                            let answer = try await RealHTTP(http, port: port).send(
                                .POST, "\(Self.base)/webhooks/stripe",
                                headers: [("Content-Type", "application/json"), ("Stripe-Signature", Self.stripeSignature(racing))],
                                body: Array(racing.utf8), timeout: .seconds(90))
                            return (answer.code, String(buffer: answer.body))
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(codes.allSatisfy { $0.0 == 200 }, "\(codes)")
            #expect(codes.filter { $0.1.contains("Delivered") }.count == 1, "\(codes)")
            #expect(try await Self.signals(api, "sub-3b") == 1)
            #expect(try await Self.deliveries(api).count == 2)
        }
    }

    /// An event for a workflow that does not exist, with no start in its mapping, is stored
    /// dead-lettered (202); a retry before the workflow exists stays dead (409); once it is started,
    /// a retry delivers it, and a second retry is refused.
    @Test func anUnroutableEventIsDeadLetteredAndARetryDeliversItOnceTheWorkflowExists() async throws {
        try await Self.run { api in
            let body = Self.invoice("evt_4", subscription: "4")
            let reply = try await Self.post(api, "stripe", body, headers: Self.stripeHeaders(Self.stripeSignature(body)))
            #expect(reply.status == 202 && reply.json["state"] == .string("DeadLettered"), "\(reply.text)")
            let list = try await api.send(.get, "\(Self.base)/webhook-deliveries?state=DeadLettered")
            let letters = list.json["deliveries"]?.arrayValue ?? []
            #expect(letters.count == 1 && letters.first?["eventId"] == .string("evt_4"), "\(list.text)")
            guard case .string(let id)? = letters.first?["id"] else { Issue.record("no delivery id: \(list.text)"); return }

            let early = try await api.send(.post, "\(Self.base)/webhook-deliveries/\(id)/retry")
            #expect(early.status == 409 && early.text.contains("sub-4"), "\(early.text)")

            #expect(try await api.send(.post, "\(Self.base)/workflows", body: #"{"workflowId":"sub-4","type":"Waiter","input":"x"}"#).status == 201)
            let retried = try await api.send(.post, "\(Self.base)/webhook-deliveries/\(id)/retry")
            #expect(retried.status == 200 && retried.json["state"] == .string("Delivered"), "\(retried.text)")
            try await api.env.waitUntil("the run completes with the signal") { try await api.env.describe("sub-4").status == .completed }
            #expect(try await api.env.describe("sub-4").result == .string("x: in_evt_4"))
            #expect(try await api.send(.post, "\(Self.base)/webhook-deliveries/\(id)/retry").status == 409, "a delivered event is not sent twice")
            let stored = try #require(try await Self.deliveries(api).first)
            #expect(stored.state == .delivered && stored.attempts == 3)

            // An event type with no mapping, and a template field the payload lacks, dead-letter too.
            let unknown = #"{"id":"evt_5","type":"charge.refunded","data":{}}"#
            #expect(try await Self.post(api, "stripe", unknown, headers: Self.stripeHeaders(Self.stripeSignature(unknown))).status == 202)
            let noField = #"{"id":"evt_6","type":"invoice.payment_succeeded","data":{"object":{"id":"in_6"}}}"#
            let missing = try await Self.post(api, "stripe", noField, headers: Self.stripeHeaders(Self.stripeSignature(noField)))
            #expect(missing.status == 202 && missing.text.contains("data.object.subscription"), "\(missing.text)")
            // A hostile value the template puts in a workflow id dead-letters, never a crash.
            let hostile = #"{"id":"evt_7","type":"invoice.payment_succeeded","data":{"object":{"id":"in_7","subscription":"a\u0001b"}}}"#
            #expect(try await Self.post(api, "stripe", hostile, headers: Self.stripeHeaders(Self.stripeSignature(hostile))).status == 202)
            #expect(try await api.env.store.webhookDeliveries(namespace: "default", state: .deadLettered, limit: 10).count == 3)
        }
    }

    /// An event type with no mapping is dead-lettered; once the mapping has it (a server restarted
    /// with the new file), a retry routes the stored event under it.
    @Test func aRetryRoutesUnderTheCurrentMapping() async throws {
        try await Self.run { api in
            let body = #"{"id":"evt_r1","type":"invoice.finalized","data":{"object":{"id":"in_r1","subscription":"r1"}}}"#
            let reply = try await Self.post(api, "stripe", body, headers: Self.stripeHeaders(Self.stripeSignature(body)))
            #expect(reply.status == 202 && reply.text.contains("invoice.finalized"), "\(reply.text)")
            guard case .string(let id)? = reply.json["deliveryId"] else {
                Issue.record("no delivery id: \(reply.text)")
                return
            }
            #expect(try await api.send(.post, "\(Self.base)/webhooks/../webhook-deliveries/\(id)/retry").status != 200)
            #expect(try await api.send(.post, "\(Self.base)/webhook-deliveries/\(id)/retry").status == 409, "still no mapping")

            // The same database behind a server whose mapping has the type, with a start.
            let fixed = Self.mappings.replacingOccurrences(
                of: #""events": {"#,
                with: #""events": {"invoice.finalized": {"workflowId": "fin-{data.object.subscription}", "signal": "approve", "signalInput": "{data.object.id}", "start": {"type": "Waiter", "input": "f"}},"#)
            var configuration = APIServer.Configuration(adminToken: api.adminToken)
            configuration.webhooks = WebhookConfiguration(
                mappings: try WebhookMappings(json: Data(fixed.utf8)), secrets: ["stripe": Self.stripeSecret, "acme": Self.acmeSecret])
            let server = APIServer(
                store: api.env.store, clock: api.env.clock, configuration: configuration, metrics: PrometheusCollectorRegistry(), logger: api.env.logger)
            let app = Application(router: server.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in
                let response = try await client.executeRequest(
                    uri: "\(Self.base)/webhook-deliveries/\(id)/retry", method: .post, headers: [.authorization: "Bearer \(api.adminToken)"], body: nil)
                #expect(response.status == .ok, "\(String(buffer: response.body))")
            }
            try await api.env.waitUntil("the started run completes with the signal") { try await api.env.describe("fin-r1").status == .completed }
            #expect(try await api.env.describe("fin-r1").result == .string("f: in_r1"))
        }
    }

    /// A mapping with `start`: the event starts the workflow with its first event the signal.
    @Test func aMappingWithStartSignalsWithStart() async throws {
        try await Self.run { api in
            let body = #"{"id":"evt_c1","type":"customer.created","data":{"object":{"id":"cus_1","email":"a@example.com"}}}"#
            let reply = try await Self.post(api, "stripe", body, headers: Self.stripeHeaders(Self.stripeSignature(body)))
            #expect(reply.status == 200 && reply.json["started"] == .bool(true), "\(reply.text)")
            try await api.env.waitUntil("the started run completes") { try await api.env.describe("cust-cus_1").status == .completed }
            #expect(try await api.env.describe("cust-cus_1").result == .string("a@example.com: cus_1"))
            #expect(try await api.env.history("cust-cus_1")[1].eventType == .workflowExecutionSignaled)
        }
    }

    /// The generic scheme: `X-Reprise-Signature: sha256=<hex>` over the raw body.
    @Test func theGenericHMACSchemeChecksTheRawBody() async throws {
        try await Self.run { api in
            #expect(try await api.send(.post, "\(Self.base)/workflows", body: #"{"workflowId":"order-9","type":"Waiter","input":"o"}"#).status == 201)
            let body = #"{"meta":{"id":"m1","kind":"order.paid"},"order":{"id":9}}"#
            func signed(_ secret: String) -> HTTPFields {
                let mac = HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: SymmetricKey(data: Array(secret.utf8)))
                return [HTTPField.Name("X-Reprise-Signature")!: "sha256=" + mac.map { String(format: "%02x", $0) }.joined()]
            }
            #expect(try await Self.post(api, "acme", body, headers: signed("wrong")).status == 401)
            #expect(try await Self.deliveries(api).isEmpty)
            let reply = try await Self.post(api, "acme", body, headers: signed(Self.acmeSecret))
            #expect(reply.status == 200, "\(reply.text)")
            try await api.env.waitUntil("the order run completes") { try await api.env.describe("order-9").status == .completed }
            #expect(try await api.env.describe("order-9").result == .string("o: paid 9"))
        }
    }

    /// Signed garbage is a 400 and stores nothing; an unknown source a 404 counted as `unknown`,
    /// whatever the caller named; a body over the limit a 413.
    @Test func hostileDeliveriesAreRefusedClearly() async throws {
        try await Self.run { (api: APIHarness) async throws -> Void in
            let garbage = "{not json"
            #expect(try await Self.post(api, "stripe", garbage, headers: Self.stripeHeaders(Self.stripeSignature(garbage))).status == 400)
            let noId = #"{"type":"invoice.payment_succeeded"}"#
            #expect(try await Self.post(api, "stripe", noId, headers: Self.stripeHeaders(Self.stripeSignature(noId))).status == 400)
            #expect(try await Self.deliveries(api).isEmpty)
            #expect(try await Self.post(api, "evil-source", "{}", headers: [:]).status == 404)
            #expect(Self.rejected(api, source: "unknown", reason: "unknown_source"))
            #expect(try await api.send(.post, "/api/v1/namespaces/other/webhooks/stripe", token: .some(nil), body: "{}").status == 404)
            let huge = String(repeating: "x", count: WebhookConfiguration.defaultMaxBodySize + 1)
            #expect(try await Self.post(api, "stripe", huge, headers: Self.stripeHeaders(Self.stripeSignature(huge))).status == 413)
        }
    }

    /// The webhook route alone takes no token: the delivery routes, the workflow routes, and paths
    /// that look like the webhook route all still need one.
    @Test func theTokenlessRouteOpensNoOtherRoute() async throws {
        try await Self.run { api in
            let id = UUID().uuidString
            for (method, path) in [
                (HTTPRequest.Method.get, "\(Self.base)/webhook-deliveries"), (.get, "\(Self.base)/webhook-deliveries/\(id)"),
                (.post, "\(Self.base)/webhook-deliveries/\(id)/retry"), (.post, "\(Self.base)/workflows"),
                (.post, "\(Self.base)/workflows/w/signal-with-start"), (.post, "\(Self.base)/workflows/w/signals/approve"),
            ] {
                let reply = try await api.send(method, path, token: .some(nil), body: "{}")
                #expect(reply.status == 401, "\(method) \(path): \(reply.status)")
            }
            for path in ["\(Self.base)/webhooks/stripe/retry", "\(Self.base)/webhooks/stripe/../../workflows", "\(Self.base)/webhooks"] {
                let reply = try await api.send(.post, path, token: .some(nil), body: "{}")
                #expect(reply.status == 404 || reply.status == 401, "\(path): \(reply.status)")
                #expect(reply.status != 200 && reply.status != 201)
            }
            #expect(try await api.send(.get, "\(Self.base)/webhooks/stripe", token: .some(nil)).status != 200)
        }
    }
}
