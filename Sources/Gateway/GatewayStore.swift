import Foundation
import Logging
import PostgresNIO
import Store
import Workflow

/// The period a budget counts over; the raw values are what `llm_budgets.period` and
/// `llm_budget_usage.period` hold.
enum BudgetPeriod: String, Sendable, CaseIterable {
    case day, month
}

/// The gateway's Postgres state: budgets, reservations, per-run usage, the exact cache and the
/// ledger, all keyed by the caller's namespace.
struct GatewayStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// What a call holds while it runs: a row in `llm_reservations` that stops counting against
    /// the budgets at its expiry, whether or not anyone settles it.
    struct Reservation: Sendable {
        var id: Int64
        var namespace: String
        var model: String
        var runId: String?
        var periods: [(period: BudgetPeriod, start: String)]
    }

    /// Why `llm_reserve` refused a call: the budget of a period, or one of the run's ceilings.
    enum Refusal: Error {
        case budget(BudgetPeriod), runCost, runCalls
    }

    /// What a call asks to reserve: the worst case, and the run's ceilings.
    struct Claim: Sendable {
        var namespace: String
        var model: String
        var tokens: Int64
        var usdNanos: Int64
        var runId: String?
        var maxRunUSDNanos: Int64?
        var maxRunCalls: Int32?
        /// How long the reservation counts if it is never settled (a worker that died mid-call).
        var lifetimeSeconds: Double
    }

    static func periodStarts(at date: Date) -> [(period: BudgetPeriod, start: String)] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let day = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        let month = String(format: "%04d-%02d-01", parts.year!, parts.month!)
        return [(.day, day), (.month, month)]
    }

    /// Reserves the worst case against every budget of (namespace, model) and the run's ceilings,
    /// in one statement (`llm_reserve`): it locks each usage row before summing the live
    /// reservations, so racing calls never overshoot, and a refusal undoes the whole reservation.
    func reserve(_ claim: Claim, at now: Date) async throws -> Reservation {
        let periods = Self.periodStarts(at: now)
        var id: Int64?
        do {
            // The rows must be read: an error raised while the function runs arrives after the row header.
            for try await reserved in try await client.execute(Reserve(claim: claim, day: periods[0].start, month: periods[1].start), logger: logger) {
                id = reserved
            }
        } catch let error as PSQLError {
            guard let code = error.serverInfo?[.sqlState].flatMap(ReserveErrorCode.init(rawValue:)) else { throw error }
            throw code.refusal
        }
        guard let id else { throw GatewayError("llm_reserve returned no reservation") }
        return Reservation(id: id, namespace: claim.namespace, model: claim.model, runId: claim.runId, periods: periods)
    }

    /// Settles a reservation to what the call cost (zero to release it) and, when given, writes the
    /// call's ledger row, in one statement. Settling a reservation that has expired (or was swept)
    /// still charges the cost: the call happened.
    func settle(_ reservation: Reservation, tokens: Int64, usdNanos: Int64, ledger entry: Entry? = nil, at now: Date = Date()) async throws {
        try await client.execute(Settle(reservation: reservation, tokens: tokens, usdNanos: usdNanos, ledger: entry, at: now), logger: logger)
    }

    /// Deletes expired reservations. They already count for nothing (`llm_reserve` sums live
    /// ones only), so this only keeps the table small; rows another transaction holds are skipped,
    /// so the sweep never waits and never deadlocks with a settle.
    func sweepExpiredReservations() async throws {
        try await client.query(
            """
            DELETE FROM llm_reservations WHERE id IN (
                SELECT id FROM llm_reservations WHERE expires_at <= now() ORDER BY expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED)
            """, logger: logger)
    }

    func cached(namespace: String, key: String, at now: Date) async throws -> LLMResponse? {
        for try await text in try await client.query(
            "SELECT response::text FROM llm_response_cache WHERE namespace = \(namespace) AND key = \(key) AND expires_at > \(now)", logger: logger
        ).decode(String.self) {
            return try? JSONDecoder().decode(LLMResponse.self, from: Data(text.utf8))
        }
        return nil
    }

    func cache(namespace: String, key: String, response: LLMResponse, until expiry: Date) async throws {
        let text = String(decoding: try JSONEncoder().encode(response), as: UTF8.self)
        try await client.query(
            """
            INSERT INTO llm_response_cache (namespace, key, response, expires_at) VALUES (\(namespace), \(key), \(text)::jsonb, \(expiry))
            ON CONFLICT (namespace, key) DO UPDATE SET response = excluded.response, expires_at = excluded.expires_at
            """, logger: logger)
    }

    /// How a call ended, as the ledger and the metrics name it.
    enum Outcome: String, Sendable, CaseIterable {
        case ok, cacheHit = "cache_hit", refused, error, unavailable
    }

    /// One ledger row. Its `tenant` column holds the namespace: the caller's namespace is the tenant.
    struct Entry: Sendable {
        var caller: LLMCaller
        var taskClass: String
        var route: String
        var provider: String?
        var model: String?
        var usage: Usage
        var usdNanos: Int64
        var latencyMs: Int
        var cacheHit: Bool
        var fallbackFrom: String?
        var outcome: Outcome
        var providerRequestId: String?
    }

    /// A ledger row for a call that holds no reservation (a cache hit, a refusal, a failure).
    func record(_ entry: Entry, at now: Date) async throws {
        try await client.query(
            """
            INSERT INTO llm_ledger (at, namespace, tenant, workflow_id, run_id, activity_id, task_class, route, provider, model, input_tokens,
                output_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, usd_nanos, latency_ms, cache_hit, fallback_from,
                outcome, provider_request_id)
            VALUES (\(now), \(entry.caller.namespace), \(entry.caller.namespace), \(entry.caller.workflowId), \(entry.caller.runId),
                \(entry.caller.activityId), \(entry.taskClass), \(entry.route), \(entry.provider), \(entry.model), \(Int64(entry.usage.inputTokens)),
                \(Int64(entry.usage.outputTokens)), \(Int64(entry.usage.cacheReadTokens)), \(Int64(entry.usage.cacheWrite5mTokens)),
                \(Int64(entry.usage.cacheWrite1hTokens)), \(entry.usdNanos), \(Int32(clamping: entry.latencyMs)), \(entry.cacheHit),
                \(entry.fallbackFrom), \(entry.outcome.rawValue), \(entry.providerRequestId))
            """, logger: logger)
    }
}
