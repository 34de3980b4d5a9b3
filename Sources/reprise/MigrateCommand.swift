import ArgumentParser
import Logging
import Store

/// `reprise migrate`: applies the schema migrations and exits.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply the database schema migrations.")

    @Option(help: "The database. Env: DATABASE_URL.")
    var databaseURL: String?

    func run() async throws {
        try await Self.apply(url: databaseURL ?? requiredDatabaseURL(), logger: bootstrapLogging(label: "reprise.migrate"))
    }

    /// Applies the migrations with a client of its own, before any service starts.
    static func apply(url: String, logger: Logger) async throws {
        let store = try Store(url: url, maximumConnections: 1, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            let applied = try await store.migrate()
            logger.info("Schema ready", metadata: ["schema.version": "\(Store.schemaVersion)", "migrations.applied": "\(applied)"])
        }
    }
}
