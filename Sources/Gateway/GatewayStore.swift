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
            let reserve = Reserve(
                tenant: tenant, model: model, tokens: tokens, usdNanos: usdNanos, runId: runId, maxRunUSDNanos: maxRunUSDNanos,
                maxRunCalls: maxRunCalls, day: periods[0].start, month: periods[1].start)
            for try await _ in try await client.execute(reserve, logger: logger) {}
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
        try await client.execute(Settle(reservation: reservation, tokens: tokens, usdNanos: usdNanos, ledger: entry, at: now), logger: logger)
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

    /// `llm_reserve`, prepared once per connection: parse and plan were a tenth of a call's
    /// overhead. Parameters that may be NULL are cast (see `Prepared` in the Store).
    struct Reserve: PostgresPreparedStatement {
        static let sql = "SELECT llm_reserve($1, $2, $3, $4, $5::text, $6::bigint, $7::int, $8::date, $9::date)"
        typealias Row = Void
        var tenant: String
        var model: String
        var tokens: Int64
        var usdNanos: Int64
        var runId: String?
        var maxRunUSDNanos: Int64?
        var maxRunCalls: Int?
        var day: String
        var month: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(tenant)
            bindings.append(model)
            bindings.append(tokens)
            bindings.append(usdNanos)
            bindings.append(runId)
            bindings.append(maxRunUSDNanos)
            bindings.append(maxRunCalls.map(Int32.init))
            bindings.append(day)
            bindings.append(month)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {}
    }

    /// The settle and ledger statement, prepared once per connection. Without a ledger entry the
    /// ledger columns are bound NULL and no row is written.
    struct Settle: PostgresPreparedStatement {
        static let sql = """
            WITH budgets AS (
                UPDATE llm_budget_usage SET tokens_reserved = tokens_reserved - $1, tokens_used = tokens_used + $2,
                    usd_reserved_nanos = usd_reserved_nanos - $3, usd_used_nanos = usd_used_nanos + $4
                WHERE tenant = $5 AND model = $6 AND ((period = 'day' AND period_start = $7::date) OR (period = 'month' AND period_start = $8::date))
            ), runs AS (
                UPDATE llm_run_usage SET usd_reserved_nanos = usd_reserved_nanos - $3, usd_used_nanos = usd_used_nanos + $4
                WHERE run_id = $9::text
            )
            INSERT INTO llm_ledger (at, namespace, tenant, workflow_id, run_id, activity_id, task_class, route, provider, model, input_tokens,
                output_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, usd_nanos, latency_ms, cache_hit, fallback_from,
                outcome, provider_request_id)
            SELECT $10::timestamptz, $11::text, $12::text, $13::text, $14::text, $15::text, $16::text, $17::text, $18::text, $19::text,
                $20::bigint, $21::bigint, $22::bigint, $23::bigint, $24::bigint, $25::bigint, $26::int, $27::bool, $28::text, $29::text, $30::text
            WHERE $31::bool
            """
        typealias Row = Void
        var reservation: Reservation
        var tokens: Int64
        var usdNanos: Int64
        var ledger: Entry?
        var at: Date

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(reservation.tokens)
            bindings.append(tokens)
            bindings.append(reservation.usdNanos)
            bindings.append(usdNanos)
            bindings.append(reservation.tenant)
            bindings.append(reservation.model)
            bindings.append(reservation.periods[0].start)
            bindings.append(reservation.periods[1].start)
            bindings.append(reservation.runId)
            bindings.append(ledger.map { _ in at })
            bindings.append(ledger?.caller.namespace)
            bindings.append(ledger?.tenant)
            bindings.append(ledger?.caller.workflowId)
            bindings.append(ledger?.caller.runId)
            bindings.append(ledger?.caller.activityId)
            bindings.append(ledger?.taskClass)
            bindings.append(ledger?.route)
            bindings.append(ledger?.provider)
            bindings.append(ledger?.model)
            bindings.append(ledger.map { Int64($0.usage.inputTokens) })
            bindings.append(ledger.map { Int64($0.usage.outputTokens) })
            bindings.append(ledger.map { Int64($0.usage.cacheReadTokens) })
            bindings.append(ledger.map { Int64($0.usage.cacheWrite5mTokens) })
            bindings.append(ledger.map { Int64($0.usage.cacheWrite1hTokens) })
            bindings.append(ledger?.usdNanos)
            bindings.append(ledger.map { Int32($0.latencyMs) })
            bindings.append(ledger?.cacheHit)
            bindings.append(ledger?.fallbackFrom)
            bindings.append(ledger?.outcome)
            bindings.append(ledger?.providerRequestId)
            bindings.append(ledger != nil)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {}
    }
}
