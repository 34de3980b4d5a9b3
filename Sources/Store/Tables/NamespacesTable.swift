import PostgresNIO

/// `namespaces`: the tenants. Every run, task and token belongs to one.
enum NamespacesTable {
    /// Whether a namespace exists.
    struct Exists: DescribedStatement {
        static let statement = Statement<Self> { p in "SELECT 1 FROM reprise.namespaces WHERE name = \(p.bind("text") { $0.namespace })" }
        typealias Row = Int
        var namespace: String
    }

    /// Creates a namespace; a name taken fails with a unique violation (`23505`).
    struct Insert: DescribedStatement {
        static let statement = Statement<Self> { p in
            "INSERT INTO reprise.namespaces (name, retention_days) VALUES (\(p.bind("text") { $0.name }), \(p.bind("bigint") { $0.retentionDays }))"
        }
        typealias Row = Void
        var name: String
        var retentionDays: Int
    }

    /// Every namespace and its retention in days, by name.
    struct List: DescribedStatement {
        static let statement = Statement<Self> { _ in "SELECT name, retention_days FROM reprise.namespaces ORDER BY name" }
        typealias Row = (String, Int)
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }
}
