import Foundation
import PostgresNIO

extension GatewayStore {
    /// `llm_reserve`, prepared once per connection: parse and plan were a tenth of a call's
    /// overhead. Parameters that may be NULL are cast (see `Statement` in the Store).
    struct Reserve: PostgresPreparedStatement {
        static let sql = "SELECT llm_reserve($1, $2, $3, $4, $5::text, $6::bigint, $7::int, $8::date, $9::date, $10::float8)"
        typealias Row = Int64
        var claim: Claim
        var day: String
        var month: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(claim.namespace)
            bindings.append(claim.model)
            bindings.append(claim.tokens)
            bindings.append(claim.usdNanos)
            bindings.append(claim.runId)
            bindings.append(claim.maxRunUSDNanos)
            bindings.append(claim.maxRunCalls)
            bindings.append(day)
            bindings.append(month)
            bindings.append(claim.lifetimeSeconds)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Int64.self) }
    }

    /// The SQLSTATE codes `llm_reserve` raises to refuse a call (class `RP`, from the gateway's
    /// migration version 3): the gateway matches each code here and only here.
    enum ReserveErrorCode: String, Sendable, CaseIterable {
        case dayBudget = "RP001"
        case monthBudget = "RP002"
        case runCalls = "RP003"
        case runCost = "RP004"

        var refusal: Refusal {
            switch self {
            case .dayBudget: .budget(.day)
            case .monthBudget: .budget(.month)
            case .runCalls: .runCalls
            case .runCost: .runCost
            }
        }
    }

    /// The settle and ledger statement, prepared once per connection: it deletes the reservation,
    /// adds the cost to the budgets' and the run's usage, and writes the ledger row. Without a
    /// ledger entry the ledger columns are bound NULL and no row is written.
    struct Settle: PostgresPreparedStatement {
        static let sql = """
            WITH released AS (
                DELETE FROM llm_reservations WHERE id = $1
            ), budgets AS (
                UPDATE llm_budget_usage SET tokens_used = tokens_used + $2, usd_used_nanos = usd_used_nanos + $3
                WHERE namespace = $4 AND model = $5
                  AND ((period = 'day' AND period_start = $6::date) OR (period = 'month' AND period_start = $7::date))
            ), runs AS (
                UPDATE llm_run_usage SET usd_used_nanos = usd_used_nanos + $3 WHERE run_id = $8::text
            )
            INSERT INTO llm_ledger (at, namespace, tenant, workflow_id, run_id, activity_id, task_class, route, provider, model, input_tokens,
                output_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, usd_nanos, latency_ms, cache_hit, fallback_from,
                outcome, provider_request_id)
            SELECT $9::timestamptz, $10::text, $10::text, $11::text, $12::text, $13::text, $14::text, $15::text, $16::text, $17::text,
                $18::bigint, $19::bigint, $20::bigint, $21::bigint, $22::bigint, $23::bigint, $24::int, $25::bool, $26::text, $27::text, $28::text
            WHERE $29::bool
            """
        typealias Row = Void
        var reservation: Reservation
        var tokens: Int64
        var usdNanos: Int64
        var ledger: Entry?
        var at: Date

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(reservation.id)
            bindings.append(tokens)
            bindings.append(usdNanos)
            bindings.append(reservation.namespace)
            bindings.append(reservation.model)
            bindings.append(reservation.periods[0].start)
            bindings.append(reservation.periods[1].start)
            bindings.append(reservation.runId)
            bindings.append(ledger.map { _ in at })
            bindings.append(ledger?.caller.namespace)
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
            bindings.append(ledger.map { Int32(clamping: $0.latencyMs) })
            bindings.append(ledger?.cacheHit)
            bindings.append(ledger?.fallbackFrom)
            bindings.append(ledger?.outcome.rawValue)
            bindings.append(ledger?.providerRequestId)
            bindings.append(ledger != nil)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {}
    }
}
