import PostgresNIO

/// `namespaces`: the tenants. Every run, task and token belongs to one.
enum NamespacesTable {
    /// Whether a namespace exists.
    struct Exists: DescribedStatement {
        static let statement = Statement<Self> { p in "SELECT 1 FROM namespaces WHERE name = \(p.bind("text") { $0.namespace })" }
        typealias Row = Int
        var namespace: String

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Int.self) }
    }
}
