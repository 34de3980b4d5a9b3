import Foundation
import Logging
import PostgresNIO
import Store

/// A database of its own for one test, created on the server named by `REPRISE_TEST_DATABASE_URL`
/// (which `scripts/test.sh` sets after starting a throwaway cluster) and dropped afterwards.
public struct TestDatabase: Sendable {
    /// The URL of the new database.
    public let url: String
    let name: String
    let adminURL: String

    /// The server URL from the environment.
    ///
    /// - Throws: when `REPRISE_TEST_DATABASE_URL` is not set, with a message that says how to set it:
    ///   a suite must never pass without its database.
    public static func serverURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["REPRISE_TEST_DATABASE_URL"], !url.isEmpty else {
            throw StoreError(
                .invalidDatabaseURL,
                "REPRISE_TEST_DATABASE_URL is not set. Run the tests with scripts/test.sh, which starts a throwaway PostgreSQL and sets it, or point it at a server you own")
        }
        return url
    }

    /// Creates a fresh database, runs `body` with it, and drops it.
    ///
    /// - Parameter server: the server to create it on; by default `REPRISE_TEST_DATABASE_URL`.
    public static func with<T: Sendable>(server: String? = nil, logger: Logger, _ body: (TestDatabase) async throws -> T) async throws -> T {
        let adminURL = try server ?? serverURL()
        let name = "reprise_test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        try await admin(adminURL, logger: logger) { client in
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        var components = URLComponents(string: adminURL)!
        components.path = "/\(name)"
        let database = TestDatabase(url: components.string!, name: name, adminURL: adminURL)
        do {
            let result = try await body(database)
            try? await database.drop(logger: logger)
            return result
        } catch {
            try? await database.drop(logger: logger)
            throw error
        }
    }

    private func drop(logger: Logger) async throws {
        try await Self.admin(adminURL, logger: logger) { client in
            try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        }
    }

    private static func admin(_ url: String, logger: Logger, _ body: @Sendable (PostgresClient) async throws -> Void) async throws {
        let client = PostgresClient(configuration: try Store.configuration(url: url, maximumConnections: 1), backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await body(client)
        }
    }
}
