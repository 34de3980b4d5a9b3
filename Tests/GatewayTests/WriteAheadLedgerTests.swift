import Foundation
import Logging
import Store
import Testing
import TestSupport
import Workflow
@testable import Gateway

/// The ledger has one row per provider call, whatever happens to the worker that made it: the
/// row is written, `pending`, before the provider is called, and the settle, the release or the
/// sweep of an expired reservation finishes it.
@Suite("LLM gateway: one ledger row per provider call")
struct WriteAheadLedgerTests {
    /// The `solo` route of ``ReservationTests``: a message of "x" reserves a worst case of
    /// 18 × $1 + 100 × $5 per million = 518 micro-USD; the stand-in's answer costs 60.
    static let worstCase: Int64 = 518_000
    static let cost: Int64 = 60_000

    static func answer(delay: Duration = .zero) -> StandInProvider {
        StandInProvider { _, _ in .init(body: StandInProvider.anthropic(input: 10, output: 10), delay: delay) }
    }

    /// A worker whose settle never lands (here Postgres refuses it, as when it restarts; a
    /// SIGKILL leaves the same state) leaves its row `pending`; once its reservation expires the
    /// sweep turns the row `abandoned`, at the worst case the provider may have billed.
    @Test func aCallWhoseSettleNeverLandsIsLedgeredAbandoned() async throws {
        try await withGateway(provider: Self.answer(), configure: ReservationTests.soloRoute) { gateway, store in
            try await store.client.query("ALTER TABLE reprise.llm_ledger ADD CONSTRAINT settle_refused CHECK (outcome <> 'ok')")
            await #expect(throws: (any Error).self, "the provider answered, the settle failed") {
                try await gateway.complete(ReservationTests.request, caller: caller)
            }
            #expect(try await outcomes(store).map(\.outcome) == ["pending"], "the call is ledgered before the provider answers")
            #expect(try await reservationCount(store) == 1)

            try await store.client.query("ALTER TABLE reprise.llm_ledger DROP CONSTRAINT settle_refused")
            try await expireReservations(store)
            try await sweep(store)
            let rows = try await outcomes(store)
            #expect(rows.map(\.outcome) == ["abandoned"], "one row for the one provider call")
            #expect(rows.first?.usdNanos == Self.worstCase, "the worst case: the provider may have charged it")
            #expect(try await reservationCount(store) == 0)
        }
    }

    /// A call that answers has one row, written `pending` before the provider answered and
    /// updated in place to `ok` at its real cost.
    @Test func aNormalCallHasOneRowUpdatedFromPendingToOk() async throws {
        let provider = Self.answer(delay: .seconds(1))
        try await withGateway(provider: provider, configure: ReservationTests.soloRoute) { gateway, store in
            let call = Task { try await gateway.complete(ReservationTests.request, caller: caller) }
            while provider.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            let inFlight = try await outcomes(store)
            #expect(inFlight.map(\.outcome) == ["pending"] && inFlight.first?.usdNanos == Self.worstCase)
            _ = try await call.value
            let settled = try await outcomes(store)
            #expect(settled.map(\.outcome) == ["ok"] && settled.first?.usdNanos == Self.cost)
            #expect(settled.first?.id == inFlight.first?.id, "the same row, not a second one")
            #expect(try await reservationCount(store) == 0)
        }
    }

    /// A worker frozen past its reservation's expiry (SIGSTOP) resumes and settles: the row the
    /// sweep turned `abandoned` becomes `ok` again, still one row, and the cost is charged.
    @Test func aSettleAfterTheSweepLeavesOneOkRowAndCharges() async throws {
        let provider = Self.answer(delay: .seconds(3))
        try await withGateway(provider: provider, configure: ReservationTests.soloRoute) { gateway, store in
            try await gateway.setBudget(namespace: "default", model: "claude-haiku-4-5", period: "day", maxTokens: nil, maxUSD: 1)
            let call = Task { try await gateway.complete(ReservationTests.request, caller: caller) }
            while provider.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            try await expireReservations(store)
            try await sweep(store)
            let swept = try await outcomes(store)
            #expect(swept.map(\.outcome) == ["abandoned"], "the frozen worker's call is abandoned meanwhile")
            _ = try await call.value
            let settled = try await outcomes(store)
            #expect(settled.map(\.outcome) == ["ok"] && settled.first?.usdNanos == Self.cost)
            #expect(settled.first?.id == swept.first?.id, "the abandoned row is the one settled")
            #expect(try await budgetUsed(store) == Self.cost, "the call that happened is charged")
            #expect(try await reservationCount(store) == 0)
        }
    }

    /// Every other way out of an attempt leaves the rows it left before the write-ahead row: an
    /// error one `error` row, an overload then a fallback one `ok` row, an overload of every model
    /// one `unavailable` row, a cancellation none.
    @Test func theOtherWaysOutLeaveTheRowsTheyLeftBefore() async throws {
        let provider = StandInProvider { call, _ in
            switch (call.body["model"], call.body["messages"]?.arrayValue.first?["content"]?.arrayValue.first?["text"]) {
            case (_, .string("bad")?): .init(status: 400, body: StandInProvider.error("invalid_request_error", "no"))
            case (_, .string("slow")?): .init(body: StandInProvider.anthropic(), delay: .seconds(5))
            case (.string("claude-haiku-4-5")?, _): .init(status: 529, body: StandInProvider.error("overloaded_error", "Overloaded"))
            case (_, .string("down")?): .init(status: 503, body: StandInProvider.error("api_error", "down"))
            default: .init(body: StandInProvider.anthropic(model: "claude-sonnet-4-5"))
            }
        }
        try await withGateway(provider: provider, configure: ReservationTests.soloRoute) { gateway, store in
            func complete(_ taskClass: String, _ text: String) async throws {
                _ = try await gateway.complete(LLMRequest(taskClass: taskClass, messages: [message(text)], cache: "off"), caller: caller)
            }
            await #expect(throws: ApplicationFailure.self) { try await complete("solo", "bad") }
            #expect(try await outcomes(store).map(\.outcome) == ["error"])
            try await store.client.query("DELETE FROM reprise.llm_ledger")

            try await complete("icp_score", "fallback")
            #expect(try await outcomes(store).map(\.outcome) == ["ok"], "the overloaded attempt leaves no row")
            try await store.client.query("DELETE FROM reprise.llm_ledger")

            await #expect(throws: ApplicationFailure.self) { try await complete("icp_score", "down") }
            #expect(try await outcomes(store).map(\.outcome) == ["unavailable"])
            try await store.client.query("DELETE FROM reprise.llm_ledger")

            let call = Task { try await complete("outreach_email", "slow") }
            while provider.requests.last?.text.contains("slow") != true { try await Task.sleep(for: .milliseconds(10)) }
            call.cancel()
            await #expect(throws: CancellationError.self) { try await call.value }
            #expect(try await outcomes(store).isEmpty, "a cancelled call is not ledgered, as before")
            #expect(try await reservationCount(store) == 0)
        }
    }
}

struct LedgerOutcome {
    var id: Int64
    var outcome: String
    var usdNanos: Int64
}

func outcomes(_ store: Store) async throws -> [LedgerOutcome] {
    var rows: [LedgerOutcome] = []
    for try await (id, outcome, usd) in try await store.client.query("SELECT id, outcome, usd_nanos FROM reprise.llm_ledger ORDER BY id").decode(
        (Int64, String, Int64).self)
    {
        rows.append(LedgerOutcome(id: id, outcome: outcome, usdNanos: usd))
    }
    return rows
}

/// Every reservation's expiry passes, on the database's clock, which expiries are measured on.
func expireReservations(_ store: Store) async throws {
    try await store.client.query("UPDATE reprise.llm_reservations SET expires_at = now() - interval '1 second'")
}

/// The sweep a call runs at most once a minute, run now.
func sweep(_ store: Store) async throws {
    try await GatewayStore(client: store.client, logger: store.logger).sweepExpiredReservations()
}

func budgetUsed(_ store: Store) async throws -> Int64 {
    for try await used in try await store.client.query(
        "SELECT usd_used_nanos FROM reprise.llm_budget_usage WHERE namespace = 'default' AND period = 'day'"
    ).decode(Int64.self) {
        return used
    }
    return -1
}
