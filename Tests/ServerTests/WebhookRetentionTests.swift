import Foundation
import HTTPTypes
import RepriseTesting
import Store
import Testing

/// Webhook deliveries do not pile up: a delivered one goes once its namespace's retention has
/// passed; a dead-lettered one waits for an operator.
@Suite struct WebhookRetentionTests {
    @Test func deliveredEventsGoAfterTheRetentionAndDeadLettersStay() async throws {
        try await WebhookTests.run { api in
            #expect(try await api.send(.post, "\(WebhookTests.base)/workflows", body: #"{"workflowId":"sub-7","type":"Waiter","input":"x"}"#).status == 201)
            let delivered = WebhookTests.invoice("evt_7", subscription: "7")
            #expect(try await WebhookTests.post(api, "stripe", delivered, headers: WebhookTests.stripeHeaders(WebhookTests.stripeSignature(delivered))).status == 200)
            let unroutable = WebhookTests.invoice("evt_8", subscription: "missing")
            #expect(try await WebhookTests.post(api, "stripe", unroutable, headers: WebhookTests.stripeHeaders(WebhookTests.stripeSignature(unroutable))).status == 202)
            #expect(Set(try await WebhookTests.deliveries(api).map(\.state)) == [.delivered, .deadLettered])

            // The default namespace keeps seven days.
            let handled = try #require(try await WebhookTests.deliveries(api).first { $0.state == .delivered }?.handledAt)
            #expect(try await api.env.store.deleteExpiredWebhookDeliveries(at: handled.addingTimeInterval(6 * 86_400)) == 0)
            #expect(try await api.env.store.deleteExpiredWebhookDeliveries(at: handled.addingTimeInterval(8 * 86_400)) == 1)
            let left = try await WebhookTests.deliveries(api)
            #expect(left.map(\.eventId) == ["evt_8"] && left.map(\.state) == [.deadLettered])
        }
    }
}
