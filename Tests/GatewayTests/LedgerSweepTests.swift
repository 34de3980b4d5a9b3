import Foundation
import Logging
import Store
import Synchronization
import Testing
import TestSupport
import Workflow
@testable import Gateway

/// What the sweep makes of pending rows, and what the usage report makes of them, driven through
/// the gateway's store: a reservation with its pending row, and no settle.
@Suite("LLM gateway: the sweep and the usage of unsettled calls")
struct LedgerSweepTests {
    /// Reserves a call of `usdNanos` with its pending row, as an attempt does before it calls the
    /// provider; nothing settles it.
    static func unsettledCall(_ store: Store, usdNanos: Int64) async throws -> GatewayStore.Reservation {
        let claim = GatewayStore.Claim(
            namespace: "default", model: "claude-haiku-4-5", tokens: 1, usdNanos: usdNanos, runId: caller.runId, maxRunUSDNanos: nil,
            maxRunCalls: nil, lifetimeSeconds: 3600)
        let pending = GatewayStore.Entry(
            caller: caller, taskClass: "solo", route: "solo", provider: "anthropic", model: "claude-haiku-4-5", usage: Usage(),
            usdNanos: usdNanos, latencyMs: 0, cacheHit: false, fallbackFrom: nil, outcome: .pending, providerRequestId: nil)
        return try await GatewayStore(client: store.client, logger: store.logger).reserve(claim, pending: pending, at: Date())
    }

    /// An abandoned call counts as a call at its worst case; a call in flight is left out until
    /// it ends.
    @Test func usageCountsAnAbandonedCallAtItsWorstCaseAndLeavesOutCallsInFlight() async throws {
        try await withGateway(provider: WriteAheadLedgerTests.answer(), configure: ReservationTests.soloRoute) { gateway, store in
            _ = try await gateway.complete(ReservationTests.request, caller: caller)
            _ = try await Self.unsettledCall(store, usdNanos: 1_000_000)
            try await expireReservations(store)
            _ = try await Self.unsettledCall(store, usdNanos: 7_000_000)
            #expect(try await GatewayStore(client: store.client, logger: store.logger).sweepExpiredReservations() == 1)
            #expect(try await outcomes(store).map(\.outcome) == ["ok", "abandoned", "pending"])

            let byModel = try await gateway.usage(namespace: "default", groupBy: "model")
            #expect(byModel.map(\.calls) == [2] && byModel.first?.abandoned == 1)
            #expect(
                byModel.first?.usd == Decimal(string: "0.00106")!, "60 micro-USD answered + 1,000 abandoned; the call in flight is not counted")
        }
    }

    /// Settles racing sweeps that expire and abandon their rows meanwhile: no settle and no sweep
    /// waits for the other into a deadlock, and every call ends with its one row, `ok`.
    @Test func settlesRacingTheSweepEachLeaveOneOkRow() async throws {
        let provider = StandInProvider { _, index in
            .init(body: StandInProvider.anthropic(input: 10, output: 10), delay: .milliseconds(40 * (index % 8)))
        }
        try await withGateway(provider: provider, configure: ReservationTests.soloRoute) { gateway, store in
            // Stopped by a flag, not a cancellation: a cancelled task's queries are refused.
            let done = Flag()
            defer { done.set() }  // a call that throws must not leave the loop running
            let sweeper = Task {
                var abandoned = 0
                while !done.isSet {
                    try await expireReservations(store)
                    abandoned += try await GatewayStore(client: store.client, logger: store.logger).sweepExpiredReservations()
                }
                return abandoned
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<32 {
                    group.addTask {
                        _ = try await gateway.complete(
                            LLMRequest(taskClass: "solo", messages: [message("race \(index)")], cache: "off"), caller: caller)
                    }
                }
                try await group.waitForAll()
            }
            done.set()
            #expect(try await sweeper.value > 0, "calls were abandoned before their settle, which made them ok again")
            let rows = try await outcomes(store)
            #expect(rows.count == 32 && rows.allSatisfy { $0.outcome == "ok" }, "\(rows.map(\.outcome))")
            #expect(try await reservationCount(store) == 0)
        }
    }

    /// A pending row whose reservation is gone (a sweep skipped the row while a settle held it,
    /// and that settle failed) is abandoned by the next sweep, not left pending for ever.
    @Test func aPendingRowWithoutItsReservationIsAbandonedByTheNextSweep() async throws {
        try await withGateway(provider: WriteAheadLedgerTests.answer()) { _, store in
            let reservation = try await Self.unsettledCall(store, usdNanos: 1_000_000)
            try await store.client.query("DELETE FROM reprise.llm_reservations WHERE id = \(reservation.id)")
            try await sweep(store)
            #expect(try await outcomes(store).map(\.outcome) == ["abandoned"])
        }
    }
}

/// A flag one task sets and another reads.
final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
