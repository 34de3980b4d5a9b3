import Foundation
import PostgresNIO

extension Store {
    /// Whether a namespace exists.
    public func namespaceExists(_ name: String) async throws -> Bool {
        for try await _ in try await client.execute(NamespacesTable.Exists(namespace: name), logger: logger) { return true }
        return false
    }
}
