import Foundation
import PostgresNIO

extension GatewayStore {
    /// `llm_reserve` and the call's pending ledger row, in one statement prepared once per
    /// connection (parse and plan were a tenth of a call's overhead): the row is written with its
    /// reservation or not at all, and a refusal writes neither. Parameters 1–10 are the
    /// function's, 11 says whether a row is written, the row's columns follow. Parameters that may
    /// be NULL are cast (see `Statement` in the Store). Returns the reservation and the row.
    struct Reserve: PostgresPreparedStatement {
        static let sql = """
            WITH reserved AS (
                SELECT reprise.llm_reserve($1, $2, $3, $4, $5::text, $6::bigint, $7::int, $8::date, $9::date, $10::float8) AS id
            ), pending AS (
                INSERT INTO reprise.llm_ledger (\(LedgerColumns.names), reservation_id)
                SELECT \(LedgerColumns.placeholders(from: 12)), reserved.id FROM reserved WHERE $11::bool
                RETURNING id
            )
            SELECT reserved.id, pending.id FROM reserved LEFT JOIN pending ON true
            """
        typealias Row = (Int64, Int64?)
        var claim: Claim
        var pending: Entry?
        var at: Date
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
            bindings.append(pending != nil)
            LedgerColumns.bind(pending, at: at, to: &bindings)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// The ledger row of a call that holds no reservation (a cache hit, a refusal, a failure).
    struct Record: PostgresPreparedStatement {
        static let sql = "INSERT INTO reprise.llm_ledger (\(LedgerColumns.names)) VALUES (\(LedgerColumns.placeholders(from: 1)))"
        typealias Row = Void
        var entry: Entry
        var at: Date

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            LedgerColumns.bind(entry, at: at, to: &bindings)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {}
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
}
