import Foundation
import PostgresNIO

extension GatewayStore {
    /// The settle of an answered call, prepared once per connection: it deletes the reservation,
    /// adds the cost to the budgets' and the run's usage, and turns the call's pending ledger row
    /// into the entry (outcome `ok`, the real usage and cost). The row is updated by its id
    /// whatever its outcome, so a settle after the sweep turns an `abandoned` row back to `ok`.
    ///
    /// It may lock the ledger row before the reservation (Postgres runs the unread `WITH` parts
    /// last); the sweep, which locks them the other way round, skips a locked row, so the two
    /// never deadlock.
    struct Settle: PostgresPreparedStatement {
        static let sql = """
            WITH released AS (
                DELETE FROM reprise.llm_reservations WHERE id = $1
            ), budgets AS (
                UPDATE reprise.llm_budget_usage SET tokens_used = tokens_used + $2, usd_used_nanos = usd_used_nanos + $3
                WHERE namespace = $4 AND model = $5
                  AND ((period = 'day' AND period_start = $6::date) OR (period = 'month' AND period_start = $7::date))
            ), runs AS (
                UPDATE reprise.llm_run_usage SET usd_used_nanos = usd_used_nanos + $3 WHERE run_id = $8::text
            )
            UPDATE reprise.llm_ledger SET (\(LedgerColumns.names)) = (\(LedgerColumns.placeholders(from: 10))) WHERE id = $9::bigint
            """
        typealias Row = Void
        var reservation: Reservation
        var tokens: Int64
        var usdNanos: Int64
        var ledger: Entry
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
            bindings.append(reservation.ledgerId)
            LedgerColumns.bind(ledger, at: at, to: &bindings)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {}
    }

    /// The release of a call that did not answer (an error, an overload, a cancellation): it
    /// deletes the reservation and the call's pending row (or the `abandoned` row the sweep made
    /// of it), so the call leaves the rows it left before rows were written ahead: the error or
    /// unavailable row its caller writes, or none.
    struct Release: PostgresPreparedStatement {
        static let sql = """
            WITH released AS (
                DELETE FROM reprise.llm_reservations WHERE id = $1::bigint
            )
            DELETE FROM reprise.llm_ledger WHERE id = $2::bigint
            """
        typealias Row = Void
        var reservation: Reservation

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(reservation.id)
            bindings.append(reservation.ledgerId)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {}
    }

    /// Deletes up to 1,000 expired reservations and turns their pending ledger rows `abandoned`,
    /// keeping the worst case they hold: the worker died between reserve and settle, and the
    /// provider may have billed the call. Returns how many rows were abandoned.
    ///
    /// Both halves skip locked rows, so the sweep never waits and never deadlocks with a settle: a
    /// row a settle or a release holds is theirs to finish. A pending row whose reservation is
    /// gone is abandoned too: a sweep deleted the reservation and skipped the row while a settle
    /// held it, and that settle then failed.
    struct Sweep: PostgresPreparedStatement {
        static let sql = """
            WITH swept AS (
                DELETE FROM reprise.llm_reservations WHERE id IN (
                    SELECT id FROM reprise.llm_reservations WHERE expires_at <= now() ORDER BY expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED)
                RETURNING id
            ), abandoned AS (
                UPDATE reprise.llm_ledger SET outcome = '\(Outcome.abandoned.rawValue)' WHERE id IN (
                    SELECT l.id FROM reprise.llm_ledger l
                    WHERE l.outcome = '\(Outcome.pending.rawValue)'
                      AND (l.reservation_id IN (SELECT id FROM swept)
                           OR NOT EXISTS (SELECT 1 FROM reprise.llm_reservations v WHERE v.id = l.reservation_id))
                    FOR UPDATE SKIP LOCKED)
                RETURNING id
            )
            SELECT count(*)::int FROM abandoned
            """
        typealias Row = Int
        func makeBindings() throws -> PostgresBindings { PostgresBindings() }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Int.self) }
    }
}
