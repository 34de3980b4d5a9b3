import Foundation
import PostgresNIO
import Workflow

extension Gateway {
    /// One budget of a namespace as it stands in its current period: its limits, what settled
    /// calls used and what calls in flight hold. A call is refused when used + held + its worst
    /// case would pass a limit, so `used + held` is the figure to hold against the limit.
    public struct BudgetStanding: Sendable, Codable, Hashable {
        /// The model whose calls the budget counts.
        public var model: String
        /// `day` or `month`, in UTC.
        public var period: String
        /// The first day of the current period (`2026-12-07`, or `2026-12-01` for a month).
        public var periodStart: String
        /// The token limit; `nil` when the budget limits only dollars.
        public var maxTokens: Int64?
        /// The dollar limit; `nil` when the budget limits only tokens.
        public var maxUSD: Decimal?
        /// What settled calls used in the period.
        public var tokensUsed: Int64
        public var usdUsed: Decimal
        /// What unexpired reservations of calls in flight hold in the period.
        public var tokensHeld: Int64
        public var usdHeld: Decimal
    }

    /// The namespace's budgets (``setBudget(namespace:model:period:maxTokens:maxUSD:)``), each with
    /// its use in the period that contains `now` (UTC days and months, as the reservations count
    /// them), ordered by model, then day before month.
    public func budgets(namespace: String) async throws -> [BudgetStanding] {
        let now = clock.now
        let starts = Dictionary(uniqueKeysWithValues: GatewayStore.periodStarts(at: now).map { ($0.period.rawValue, $0.start) })
        let day = starts[BudgetPeriod.day.rawValue] ?? ""
        let month = starts[BudgetPeriod.month.rawValue] ?? ""
        var standings: [BudgetStanding] = []
        for try await (model, period, maxTokens, maxNanos, start, tokensUsed, nanosUsed, tokensHeld, nanosHeld) in try await store.client.query(
            """
            SELECT b.model, b.period, b.max_tokens, b.max_usd_nanos, p.start::text,
                COALESCE(u.tokens_used, 0)::bigint, COALESCE(u.usd_used_nanos, 0)::bigint,
                COALESCE(r.tokens, 0)::bigint, COALESCE(r.usd_nanos, 0)::bigint
            FROM reprise.llm_budgets b
            CROSS JOIN LATERAL (SELECT CASE b.period WHEN 'day' THEN \(day)::date ELSE \(month)::date END AS start) p
            LEFT JOIN reprise.llm_budget_usage u
                ON u.namespace = b.namespace AND u.model = b.model AND u.period = b.period AND u.period_start = p.start
            LEFT JOIN LATERAL (
                SELECT sum(v.tokens) AS tokens, sum(v.usd_nanos) AS usd_nanos FROM reprise.llm_reservations v
                WHERE v.namespace = b.namespace AND v.model = b.model AND v.expires_at > \(now)
                  AND (CASE b.period WHEN 'day' THEN v.day ELSE v.month END) = p.start
            ) r ON true
            WHERE b.namespace = \(namespace)
            ORDER BY b.model, b.period
            """, logger: logger
        ).decode((String, String, Int64?, Int64?, String, Int64, Int64, Int64, Int64).self) {
            standings.append(
                BudgetStanding(
                    model: model, period: period, periodStart: start, maxTokens: maxTokens, maxUSD: maxNanos.map(Self.usd),
                    tokensUsed: tokensUsed, usdUsed: Self.usd(nanosUsed), tokensHeld: tokensHeld, usdHeld: Self.usd(nanosHeld)))
        }
        return standings
    }
}
