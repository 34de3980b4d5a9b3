import Foundation
import Logging
import PostgresNIO
import Store
import Workflow

/// The gateway's Postgres state: budgets, per-run usage, the exact cache and the ledger.
struct GatewayStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// What a call holds while it runs.
    struct Reservation: Sendable {
        var tenant: String
        var model: String
        var tokens: Int64
        var usdNanos: Int64
        var runId: String?
        var periods: [(period: String, start: String)]
    }

    enum Refusal: Error {
        case budget(String), runCost, runCalls
    }

    static func periodStarts(at date: Date) -> [(period: String, start: String)] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let day = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        let month = String(format: "%04d-%02d-01", parts.year!, parts.month!)
        return [("day", day), ("month", month)]
    }

    /// Reserves the worst case against every budget of (tenant, model) and the run's ceilings, in
    /// one statement (`llm_reserve`): each conditional UPDATE locks its row, so racing calls never
    /// overshoot, and a refusal undoes the whole reservation.
    func reserve(
        tenant: String, model: String, tokens: Int64, usdNanos: Int64, runId: String?, maxRunUSDNanos: Int64?, maxRunCalls: Int?, at now: Date
    ) async throws -> Reservation {
        let periods = Self.periodStarts(at: now)
        do {
            // The rows must be read: an error raised while the function runs arrives after the row header.
            let rows = try await client.query(
                """
                SELECT llm_reserve(\(tenant), \(model), \(tokens), \(usdNanos), \(runId)::text, \(maxRunUSDNanos)::bigint, \(maxRunCalls)::int,
                    \(periods[0].start)::date, \(periods[1].start)::date)
                """, logger: logger)
            for try await _ in rows {}
        } catch let error as PSQLError {
            switch error.serverInfo?[.message] {
            case "reprise:budget:day"?: throw Refusal.budget("day")
            case "reprise:budget:month"?: throw Refusal.budget("month")
            case "reprise:run_calls"?: throw Refusal.runCalls
            case "reprise:run_cost"?: throw Refusal.runCost
            default: throw error
            }
        }
        return Reservation(tenant: tenant, model: model, tokens: tokens, usdNanos: usdNanos, runId: runId, periods: periods)
    }

    /// Settles a reservation to what the call cost (zero to release it) and, when given, writes the
    /// call's ledger row, in one statement.
    func settle(_ reservation: Reservation, tokens: Int64, usdNanos: Int64, ledger entry: Entry? = nil, at now: Date = Date()) async throws {
        let day = reservation.periods[0].start
        let month = reservation.periods[1].start
        let writeLedger = entry != nil
        let entry = entry ?? Entry(
            caller: LLMCaller(namespace: ""), tenant: "", taskClass: "", route: "", provider: nil, model: nil, usage: Usage(), usdNanos: 0,
            latencyMs: 0, cacheHit: false, fallbackFrom: nil, outcome: "", providerRequestId: nil)
        try await client.query(
            """
            WITH budgets AS (
                UPDATE llm_budget_usage SET tokens_reserved = tokens_reserved - \(reservation.tokens), tokens_used = tokens_used + \(tokens),
                    usd_reserved_nanos = usd_reserved_nanos - \(reservation.usdNanos), usd_used_nanos = usd_used_nanos + \(usdNanos)
                WHERE tenant = \(reservation.tenant) AND model = \(reservation.model)
                  AND ((period = 'day' AND period_start = \(day)::date) OR (period = 'month' AND period_start = \(month)::date))
            ), runs AS (
                UPDATE llm_run_usage SET usd_reserved_nanos = usd_reserved_nanos - \(reservation.usdNanos), usd_used_nanos = usd_used_nanos + \(usdNanos)
                WHERE run_id = \(reservation.runId)
            )
            INSERT INTO llm_ledger (at, namespace, tenant, workflow_id, run_id, activity_id, task_class, route, provider, model, input_tokens,
                output_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, usd_nanos, latency_ms, cache_hit, fallback_from,
                outcome, provider_request_id)
            SELECT \(now), \(entry.caller.namespace), \(entry.tenant), \(entry.caller.workflowId), \(entry.caller.runId), \(entry.caller.activityId),
                \(entry.taskClass), \(entry.route), \(entry.provider), \(entry.model), \(Int64(entry.usage.inputTokens)),
                \(Int64(entry.usage.outputTokens)), \(Int64(entry.usage.cacheReadTokens)), \(Int64(entry.usage.cacheWrite5mTokens)),
                \(Int64(entry.usage.cacheWrite1hTokens)), \(entry.usdNanos), \(entry.latencyMs), \(entry.cacheHit), \(entry.fallbackFrom),
                \(entry.outcome), \(entry.providerRequestId)
            WHERE \(writeLedger)
            """, logger: logger)
    }

    func cached(key: String, at now: Date) async throws -> LLMResponse? {
        for try await text in try await client.query(
            "SELECT response::text FROM llm_response_cache WHERE key = \(key) AND expires_at > \(now)", logger: logger
        ).decode(String.self) {
            return try? JSONDecoder().decode(LLMResponse.self, from: Data(text.utf8))
        }
        return nil
    }

    func cache(key: String, response: LLMResponse, until expiry: Date) async throws {
        let text = String(decoding: try JSONEncoder().encode(response), as: UTF8.self)
        try await client.query(
            """
            INSERT INTO llm_response_cache (key, response, expires_at) VALUES (\(key), \(text)::jsonb, \(expiry))
            ON CONFLICT (key) DO UPDATE SET response = excluded.response, expires_at = excluded.expires_at
            """, logger: logger)
    }

    /// One ledger row.
    struct Entry: Sendable {
        var caller: LLMCaller
        var tenant: String
        var taskClass: String
        var route: String
        var provider: String?
        var model: String?
        var usage: Usage
        var usdNanos: Int64
        var latencyMs: Int
        var cacheHit: Bool
        var fallbackFrom: String?
        var outcome: String
        var providerRequestId: String?
    }

    func record(_ entry: Entry, at now: Date) async throws {
        try await client.query(
            """
            INSERT INTO llm_ledger (at, namespace, tenant, workflow_id, run_id, activity_id, task_class, route, provider, model, input_tokens,
                output_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, usd_nanos, latency_ms, cache_hit, fallback_from,
                outcome, provider_request_id)
            VALUES (\(now), \(entry.caller.namespace), \(entry.tenant), \(entry.caller.workflowId), \(entry.caller.runId), \(entry.caller.activityId),
                \(entry.taskClass), \(entry.route), \(entry.provider), \(entry.model), \(Int64(entry.usage.inputTokens)),
                \(Int64(entry.usage.outputTokens)), \(Int64(entry.usage.cacheReadTokens)), \(Int64(entry.usage.cacheWrite5mTokens)),
                \(Int64(entry.usage.cacheWrite1hTokens)), \(entry.usdNanos), \(entry.latencyMs), \(entry.cacheHit), \(entry.fallbackFrom),
                \(entry.outcome), \(entry.providerRequestId))
            """, logger: logger)
    }
}
