import Foundation
import Gateway
import Store
import Testing
import TestSupport
import Workflow

/// A budget reservation never outlives its call: a cancelled call releases it, and one whose
/// worker died stops counting at its expiry and is swept.
@Suite("LLM gateway: reservations never leak")
struct ReservationTests {
    /// One worst case of the `solo` route fits under the cap, two do not: a message of "x" is
    /// estimated at 18 input tokens, so 18 × $1 + 100 × $5 per million = 518 micro-USD, under a
    /// cap of 800. A call costs 10 × $1 + 10 × $5 = 60.
    static let cap = Decimal(string: "0.0008")!
    static let request = LLMRequest(taskClass: "solo", messages: [message("x")], cache: "off")

    static func soloRoute(_ configuration: inout GatewayConfiguration) {
        configuration.routes["solo"] = .init(provider: "anthropic", model: "claude-haiku-4-5", maxTokens: 100)
    }

    @Test func aCancelledCallLeavesNoReservation() async throws {
        let provider = StandInProvider { _, index in
            .init(body: StandInProvider.anthropic(input: 10, output: 10), delay: index == 0 ? .seconds(2) : .zero)
        }
        try await withGateway(provider: provider, configure: Self.soloRoute) { gateway, store in
            try await gateway.setBudget(namespace: "default", model: "claude-haiku-4-5", period: "day", maxTokens: nil, maxUSD: Self.cap)
            let call = Task { try await gateway.complete(Self.request, caller: caller) }
            while provider.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            #expect(try await reservationCount(store) == 1, "the call in flight holds its reservation")
            call.cancel()
            await #expect(throws: CancellationError.self) { try await call.value }
            #expect(try await reservationCount(store) == 0)
            let next = try await gateway.complete(Self.request, caller: caller)
            #expect(next.usd == Decimal(string: "0.00006")!, "the budget is whole again: the next call is admitted")
        }
    }

    @Test func anAbandonedReservationIsSweptAfterItsExpiry() async throws {
        let provider = StandInProvider { _, _ in .init(body: StandInProvider.anthropic(input: 10, output: 10)) }
        try await withGateway(provider: provider, configure: Self.soloRoute, sweepInterval: .zero) { gateway, store in
            try await gateway.setBudget(namespace: "default", model: "claude-haiku-4-5", period: "day", maxTokens: nil, maxUSD: Self.cap)
            // A worker reserved a worst case for an hour and died: no settle will ever come.
            try await store.client.query(
                """
                SELECT reprise.llm_reserve('default', 'claude-haiku-4-5', 118, 518000, 'dead-run', NULL, NULL,
                    (now() AT TIME ZONE 'UTC')::date, date_trunc('month', now() AT TIME ZONE 'UTC')::date, 3600.0)
                """)
            let refused = await #expect(throws: ApplicationFailure.self) { try await gateway.complete(Self.request, caller: caller) }
            #expect(refused?.type == LLMFailure.budgetExceeded, "until it expires, the abandoned reservation counts")
            // Its hour passes (on the database's clock, which the expiry is measured on): no sleep, so
            // a slow machine cannot let it lapse before the refusal above.
            try await store.client.query("UPDATE reprise.llm_reservations SET expires_at = now() - interval '1 second' WHERE run_id = 'dead-run'")
            let admitted = try await gateway.complete(Self.request, caller: caller)
            #expect(admitted.usd == Decimal(string: "0.00006")!, "after its expiry the budget is whole again")
            #expect(try await reservationCount(store) == 0, "the expired reservation is swept")
            for try await used in try await store.client.query(
                "SELECT usd_used_nanos FROM reprise.llm_budget_usage WHERE namespace = 'default' AND period = 'day'"
            ).decode(Int64.self) {
                #expect(used == 60_000, "only the call that happened is charged")
            }
        }
    }
}
