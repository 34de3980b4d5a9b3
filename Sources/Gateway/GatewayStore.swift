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
        /// The call's `pending` ledger row, written with the reservation; `nil` when none was.
        var ledgerId: Int64?
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
    /// and writes the call's ledger row ahead of the call, `pending` at that worst case, in one
    /// statement (around `llm_reserve`): it locks each usage row before summing the live reservations,
    /// so racing calls never overshoot, and a refusal undoes the whole reservation and the row.
    ///
    /// - Parameter pending: the call's ledger row, outcome ``Outcome/pending``; without one, no
    ///   row is written (a reservation alone, as tests of the budgets make).
    func reserve(_ claim: Claim, pending: Entry? = nil, at now: Date) async throws -> Reservation {
        let periods = Self.periodStarts(at: now)
        var ids: Reserve.Row?
        do {
            // The rows must be read: an error raised while the function runs arrives after the row header.
            let statement = Reserve(claim: claim, pending: pending, at: now, day: periods[0].start, month: periods[1].start)
            for try await reserved in try await client.execute(statement, logger: logger) {
                ids = reserved
            }
        } catch let error as PSQLError {
            guard let code = error.serverInfo?[.sqlState].flatMap(ReserveErrorCode.init(rawValue:)) else { throw error }
            throw code.refusal
        }
        guard let ids else { throw GatewayError("llm_reserve returned no reservation") }
        return Reservation(id: ids.0, namespace: claim.namespace, model: claim.model, runId: claim.runId, periods: periods, ledgerId: ids.1)
    }

    /// Settles an answered call: deletes its reservation, charges what the call cost and turns its
    /// pending ledger row into `entry`, in one statement. Settling a reservation that has expired
    /// (or was swept, its row `abandoned`) still charges the cost and still ends with the one row,
    /// `ok`: the call happened.
    func settle(_ reservation: Reservation, tokens: Int64, usdNanos: Int64, ledger entry: Entry, at now: Date = Date()) async throws {
        try await run(Settle(reservation: reservation, tokens: tokens, usdNanos: usdNanos, ledger: entry, at: now))
    }

    /// Releases the reservation of a call that did not answer and deletes its pending ledger row,
    /// in one statement: such a call is ledgered, if at all, by its caller (`error`, `unavailable`).
    func release(_ reservation: Reservation) async throws {
        try await run(Release(reservation: reservation))
    }

    /// Deletes expired reservations and turns their pending ledger rows `abandoned` (see
    /// ``Sweep``). The reservations already count for nothing (`llm_reserve` sums live ones only);
    /// rows another transaction holds are skipped, so the sweep never waits and never deadlocks
    /// with a settle.
    ///
    /// - Returns: how many calls were abandoned: their workers died between reserve and settle.
    @discardableResult
    func sweepExpiredReservations() async throws -> Int {
        var abandoned = 0
        for try await count in try await client.execute(Sweep(), logger: logger) { abandoned = count }
        return abandoned
    }

    func cached(namespace: String, key: String, at now: Date) async throws -> LLMResponse? {
        for try await text in try await client.query(
            "SELECT response::text FROM reprise.llm_response_cache WHERE namespace = \(namespace) AND key = \(key) AND expires_at > \(now)", logger: logger
        ).decode(String.self) {
            return try? JSONDecoder().decode(LLMResponse.self, from: Data(text.utf8))
        }
        return nil
    }

    func cache(namespace: String, key: String, response: LLMResponse, until expiry: Date) async throws {
        let text = String(decoding: try JSONEncoder().encode(response), as: UTF8.self)
        try await client.query(
            """
            INSERT INTO reprise.llm_response_cache (namespace, key, response, expires_at) VALUES (\(namespace), \(key), \(text)::jsonb, \(expiry))
            ON CONFLICT (namespace, key) DO UPDATE SET response = excluded.response, expires_at = excluded.expires_at
            """, logger: logger)
    }

    /// How a call ended, as the ledger and the metrics name it. A provider call's row is
    /// `pending` from its reservation until its settle (`ok`) or release; one whose reservation
    /// expired unsettled (its worker died) is `abandoned`, at the worst case it reserved.
    enum Outcome: String, Sendable, CaseIterable {
        case ok, cacheHit = "cache_hit", refused, error, unavailable, pending, abandoned
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
        try await run(Record(entry: entry, at: now))
    }

    /// Runs a statement that returns no rows, reading its result to the end so that an error
    /// raised while it runs is thrown here.
    private func run<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws where Statement.Row == Void {
        for try await _ in try await client.execute(statement, logger: logger) {}
    }
}
