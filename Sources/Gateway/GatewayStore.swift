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
    /// one transaction. Each conditional UPDATE locks its row, so racing calls never overshoot.
    func reserve(
        tenant: String, model: String, tokens: Int64, usdNanos: Int64, runId: String?, maxRunUSDNanos: Int64?, maxRunCalls: Int?, at now: Date
    ) async throws -> Reservation {
        let periods = Self.periodStarts(at: now)
        do {
            try await reserveInTransaction(
                tenant: tenant, model: model, tokens: tokens, usdNanos: usdNanos, runId: runId, maxRunUSDNanos: maxRunUSDNanos,
                maxRunCalls: maxRunCalls, periods: periods)
        } catch let error as PostgresTransactionError {
            // A refusal rolls the transaction back; the caller wants the refusal itself.
            throw error.closureError ?? error
        }
        return Reservation(tenant: tenant, model: model, tokens: tokens, usdNanos: usdNanos, runId: runId, periods: periods)
    }

    private func reserveInTransaction(
        tenant: String, model: String, tokens: Int64, usdNanos: Int64, runId: String?, maxRunUSDNanos: Int64?, maxRunCalls: Int?,
        periods: [(period: String, start: String)]
    ) async throws {
        try await client.withTransaction(logger: logger) { connection in
            for (period, start) in periods {
                var limited = false
                for try await _ in try await connection.query(
                    "SELECT 1 FROM llm_budgets WHERE tenant = \(tenant) AND model = \(model) AND period = \(period)", logger: logger)
                {
                    limited = true
                }
                guard limited else { continue }
                try await connection.query(
                    """
                    INSERT INTO llm_budget_usage (tenant, model, period, period_start) VALUES (\(tenant), \(model), \(period), \(start)::date)
                    ON CONFLICT DO NOTHING
                    """, logger: logger)
                var granted = false
                for try await _ in try await connection.query(
                    """
                    UPDATE llm_budget_usage u SET tokens_reserved = u.tokens_reserved + \(tokens), usd_reserved_nanos = u.usd_reserved_nanos + \(usdNanos)
                    FROM llm_budgets b
                    WHERE b.tenant = u.tenant AND b.model = u.model AND b.period = u.period
                      AND u.tenant = \(tenant) AND u.model = \(model) AND u.period = \(period) AND u.period_start = \(start)::date
                      AND (b.max_tokens IS NULL OR u.tokens_used + u.tokens_reserved + \(tokens) <= b.max_tokens)
                      AND (b.max_usd_nanos IS NULL OR u.usd_used_nanos + u.usd_reserved_nanos + \(usdNanos) <= b.max_usd_nanos)
                    RETURNING 1
                    """, logger: logger)
                {
                    granted = true
                }
                guard granted else { throw Refusal.budget(period) }
            }
            if let runId {
                try await connection.query("INSERT INTO llm_run_usage (run_id) VALUES (\(runId)) ON CONFLICT DO NOTHING", logger: logger)
                var row: (Int, Int64, Int64)?
                for try await value in try await connection.query(
                    "SELECT calls, usd_reserved_nanos, usd_used_nanos FROM llm_run_usage WHERE run_id = \(runId) FOR UPDATE", logger: logger
                ).decode((Int, Int64, Int64).self) {
                    row = value
                }
                guard let (calls, reserved, used) = row else { throw Refusal.runCalls }
                if let maxRunCalls, calls + 1 > maxRunCalls { throw Refusal.runCalls }
                if let maxRunUSDNanos, used + reserved + usdNanos > maxRunUSDNanos { throw Refusal.runCost }
                try await connection.query(
                    """
                    UPDATE llm_run_usage SET calls = calls + 1, usd_reserved_nanos = usd_reserved_nanos + \(usdNanos) WHERE run_id = \(runId)
                    """, logger: logger)
            }
        }
    }

    /// Settles a reservation to what the call cost (zero to release it).
    func settle(_ reservation: Reservation, tokens: Int64, usdNanos: Int64) async throws {
        try await client.withTransaction(logger: logger) { connection in
            for (period, start) in reservation.periods {
                try await connection.query(
                    """
                    UPDATE llm_budget_usage SET tokens_reserved = tokens_reserved - \(reservation.tokens), tokens_used = tokens_used + \(tokens),
                        usd_reserved_nanos = usd_reserved_nanos - \(reservation.usdNanos), usd_used_nanos = usd_used_nanos + \(usdNanos)
                    WHERE tenant = \(reservation.tenant) AND model = \(reservation.model) AND period = \(period) AND period_start = \(start)::date
                    """, logger: logger)
            }
            if let runId = reservation.runId {
                try await connection.query(
                    """
                    UPDATE llm_run_usage SET usd_reserved_nanos = usd_reserved_nanos - \(reservation.usdNanos),
                        usd_used_nanos = usd_used_nanos + \(usdNanos)
                    WHERE run_id = \(runId)
                    """, logger: logger)
            }
        }
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
