import Foundation
import PostgresNIO

/// The Store's one SQL style: a statement's text and its binds are written together, so that no
/// `$n` is ever counted by hand.
///
/// Each parameter is declared where it appears in the SQL, with the value it binds:
/// ```swift
/// static let statement = Statement<LockRun> { p in
///     "SELECT status FROM reprise.workflow_executions WHERE run_id = \(p.bind("uuid") { $0.runId }) FOR UPDATE"
/// }
/// ```
/// ``SQLParameters/bind(_:_:)`` hands out `$1`, `$2`, … in the order the text asks for them and
/// records, in the same order, how to bind each from the statement's input, so the text and the
/// binds cannot disagree. A table's fragment (an `unnest` insert of many rows, say) takes the same
/// builder and so composes into any statement at whatever position it lands.
///
/// Every statement is a `PostgresPreparedStatement` whose `sql` is its ``Statement/sql``, so
/// Postgres parses and plans it once per connection. Every parameter carries its type in the SQL
/// (`$4::text`): a prepared statement's parameter types are fixed by its first run, and a NULL
/// carries no type. Arrays hold no NULL (PostgresNIO cannot bind one): an absent text is bound as
/// `''` and an absent time as ``noTime``, and the SQL reads both back as NULL.
struct Statement<Input: Sendable>: Sendable {
    /// The SQL text, with `$n` placeholders.
    let sql: String
    private let parameters: SQLParameters<Input>

    init(_ build: (inout SQLParameters<Input>) -> String) {
        var parameters = SQLParameters<Input>()
        sql = build(&parameters)
        self.parameters = parameters
    }

    /// How many parameters the statement takes.
    var parameterCount: Int { parameters.count }

    /// The binds for one run of the statement, in `$n` order.
    func bindings(for input: Input) throws -> PostgresBindings {
        try parameters.bindings(for: input)
    }
}

/// Hands out a statement's `$n` placeholders as its text is written (see ``Statement``).
struct SQLParameters<Input: Sendable>: Sendable {
    private var binders: [@Sendable (Input, inout PostgresBindings) throws -> Void] = []

    /// How many parameters were declared.
    var count: Int { binders.count }

    /// Declares a parameter of SQL type `type`, bound from `value`; returns `$n::type`.
    mutating func bind<Value: PostgresEncodable & Sendable>(_ type: String, _ value: @escaping @Sendable (Input) throws -> Value) -> String {
        binders.append { input, bindings in try bindings.append(try value(input)) }
        return "$\(binders.count)::\(type)"
    }

    /// Declares a parameter that may be NULL.
    mutating func bind<Value: PostgresEncodable & Sendable>(_ type: String, _ value: @escaping @Sendable (Input) throws -> Value?) -> String {
        binders.append { input, bindings in try bindings.append(try value(input)) }
        return "$\(binders.count)::\(type)"
    }

    func bindings(for input: Input) throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: binders.count)
        for binder in binders { try binder(input, &bindings) }
        return bindings
    }
}

/// The time that batched statements bind for an absent one (PostgresNIO's arrays hold no NULL);
/// the SQL reads it back as NULL (`NULLIF(x, 'epoch')`), as it reads an absent text bound as `''`.
/// No payload is empty JSON, and no deadline falls in 1970.
let noTime = Date(timeIntervalSince1970: 0)

/// A prepared statement described by a ``Statement`` of itself: its SQL and binds come from there.
protocol DescribedStatement: PostgresPreparedStatement {
    static var statement: Statement<Self> { get }
}

extension DescribedStatement {
    static var sql: String { statement.sql }
    func makeBindings() throws -> PostgresBindings { try Self.statement.bindings(for: self) }
}

extension DescribedStatement where Row == Void {
    func decodeRow(_ row: PostgresRow) throws {}
}

extension DescribedStatement where Row: PostgresDecodable {
    /// A row of one column.
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

extension PostgresConnection {
    /// Runs a prepared statement that returns no rows, draining its result.
    func run<Statement: PostgresPreparedStatement>(_ statement: Statement, logger: Logger) async throws where Statement.Row == Void {
        for try await _ in try await execute(statement, logger: logger) {}
    }
}

extension Statement {
    /// The statement as an unprepared query, for a statement whose text depends on the request
    /// (a list query's WHERE, ``ListQuery``): preparing each distinct text would fill every
    /// connection with plans used once. Its values are still binds, never spliced.
    func query(_ input: Input) throws -> PostgresQuery {
        PostgresQuery(unsafeSQL: sql, binds: try bindings(for: input))
    }
}
