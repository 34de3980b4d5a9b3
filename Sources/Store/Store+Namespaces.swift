import Foundation
import PostgresNIO

/// Namespaces, the tenants: their creation, their list, and the check every start and token
/// makes that its namespace exists (the statements are `NamespacesTable`'s).
extension Store {
    /// Whether a namespace exists.
    public func namespaceExists(_ name: String) async throws -> Bool {
        for try await _ in try await pool.execute(NamespacesTable.Exists(namespace: name), logger: logger) { return true }
        return false
    }

    /// Throws `NamespaceNotFound` unless the namespace exists.
    func requireNamespace(_ namespace: String, on connection: PostgresConnection) async throws {
        for try await _ in try await connection.execute(NamespacesTable.Exists(namespace: namespace), logger: logger) { return }
        throw Self.namespaceNotFound(namespace)
    }

    static func namespaceNotFound(_ namespace: String) -> StoreError {
        StoreError(.namespaceNotFound, "namespace \"\(namespace)\" does not exist; create it with `reprise namespace create \(namespace)`")
    }

    /// Creates a namespace.
    ///
    /// - Throws: ``StoreError`` `NamespaceAlreadyExists`, or `InvalidArgument` for a bad name or retention.
    public func createNamespace(_ name: String, retentionDays: Int = 7) async throws {
        guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", options: .regularExpression) != nil else {
            throw StoreError(.invalidArgument, "a namespace name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
        guard (1...3650).contains(retentionDays) else {
            throw StoreError(.invalidArgument, "retentionDays must be between 1 and 3650")
        }
        do {
            for try await _ in try await pool.execute(NamespacesTable.Insert(name: name, retentionDays: retentionDays), logger: logger) {}
        } catch let error as PSQLError where error.sqlState == "23505" {
            throw StoreError(.namespaceExists, "namespace \"\(name)\" already exists")
        }
    }

    /// The namespaces and their retention, by name.
    public func namespaces() async throws -> [(name: String, retentionDays: Int)] {
        var result: [(String, Int)] = []
        for try await row in try await pool.execute(NamespacesTable.List(), logger: logger) { result.append(row) }
        return result
    }
}
