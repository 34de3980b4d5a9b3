import Foundation
import PostgresNIO
import Workflow

extension Gateway {
    /// Sets a budget for (namespace, model) per day or month, in tokens and/or USD; `nil` removes
    /// a limit. The namespace is the tenant: every call a namespace's callers make is charged to it.
    ///
    /// - Throws: ``GatewayError`` naming the field that is out of range.
    public func setBudget(namespace: String, model: String, period: String, maxTokens: Int64?, maxUSD: Decimal?) async throws {
        guard let period = BudgetPeriod(rawValue: period) else { throw GatewayError("a budget period is day or month") }
        if let maxTokens, maxTokens < 0 { throw GatewayError("maxTokens of a budget must not be negative") }
        var maxUSDNanos: Int64?
        if let maxUSD {
            guard let nanos = Self.nanos(maxUSD) else { throw GatewayError("maxUSD of a budget must be between 0 and \(LLMLimits.maxUSD)") }
            maxUSDNanos = nanos
        }
        try await store.client.query(
            """
            INSERT INTO reprise.llm_budgets (namespace, model, period, max_tokens, max_usd_nanos)
            VALUES (\(namespace), \(model), \(period.rawValue), \(maxTokens), \(maxUSDNanos))
            ON CONFLICT (namespace, model, period) DO UPDATE SET max_tokens = excluded.max_tokens, max_usd_nanos = excluded.max_usd_nanos
            """, logger: logger)
    }

    /// Spending per model, per day or per run, from the ledger. Calls in flight (`pending`) are
    /// left out until they end; an `abandoned` call (its worker died before it settled) counts
    /// as a call at the worst case it reserved, which the provider may have charged.
    public struct UsageRow: Sendable, Codable, Hashable {
        public var key: String
        public var calls: Int
        public var inputTokens: Int64
        public var outputTokens: Int64
        public var cacheReadTokens: Int64
        public var cacheWriteTokens: Int64
        public var usd: Decimal
        public var cacheHits: Int
        /// Calls whose worker died before they settled: their `usd` is their worst case, their
        /// tokens are unknown (zero).
        public var abandoned: Int
    }

    /// The ledger of a namespace, grouped by `model`, `day` or `run`.
    public func usage(namespace: String, groupBy: String) async throws -> [UsageRow] {
        let column: String
        switch groupBy {
        case "model": column = "COALESCE(model, '-')"
        case "day": column = "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        case "run": column = "COALESCE(run_id, '-')"
        default: throw GatewayError("groupBy must be model, day or run")
        }
        var query = PostgresQuery(
            unsafeSQL: """
                SELECT \(column) AS key, count(*)::int, sum(input_tokens)::bigint, sum(output_tokens)::bigint, sum(cache_read_tokens)::bigint,
                    sum(cache_write_5m_tokens + cache_write_1h_tokens)::bigint, sum(usd_nanos)::bigint, count(*) FILTER (WHERE cache_hit)::int,
                    count(*) FILTER (WHERE outcome = '\(GatewayStore.Outcome.abandoned.rawValue)')::int
                FROM reprise.llm_ledger WHERE namespace = $1 AND outcome <> '\(GatewayStore.Outcome.pending.rawValue)' GROUP BY 1 ORDER BY 1
                """)
        query.binds.append(namespace)
        var rows: [UsageRow] = []
        for try await (key, calls, input, output, read, write, nanos, hits, abandoned) in try await store.client.query(query, logger: logger)
            .decode((String, Int, Int64, Int64, Int64, Int64, Int64, Int, Int).self)
        {
            rows.append(
                UsageRow(
                    key: key, calls: calls, inputTokens: input, outputTokens: output, cacheReadTokens: read, cacheWriteTokens: write,
                    usd: Self.usd(nanos), cacheHits: hits, abandoned: abandoned))
        }
        return rows
    }
}
