import ArgumentParser
import Gateway
import Logging
import Store

/// `reprise migrate`: applies the schema migrations and exits.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply the database schema migrations: the engine's, the gateway's and the registered activities'.")

    @Option(help: "The database. Env: DATABASE_URL.")
    var databaseURL: String?

    func run() async throws {
        try await Self.apply(url: databaseURL ?? requiredDatabaseURL(), sets: Self.registeredSets, logger: bootstrapLogging(label: "reprise.migrate"))
    }

    /// The sets besides the engine's that `server` applies: the API runs the gateway, and no
    /// registered activity.
    static let serverSets: [MigrationSet] = [.gateway]

    /// The sets besides the engine's that `migrate`, `worker` and `dev` apply: the gateway's and
    /// the registration's, whose activities they run.
    static var registeredSets: [MigrationSet] { serverSets + Registration.current.migrations }

    /// Applies the migrations with a client of its own, before any service starts, and logs each
    /// owner's schema version and what this call applied of it.
    static func apply(url: String, sets: [MigrationSet], logger: Logger) async throws {
        let store = try Store(url: url, maximumConnections: 1, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            let applied = try await store.migrate(sets)
            for set in [MigrationSet.engine] + sets {
                let versions = applied.filter { $0.owner == set.owner }.map(\.version)
                logger.info(
                    "Schema ready",
                    metadata: ["schema.owner": "\(set.owner)", "schema.version": "\(set.latest)", "migrations.applied": "\(versions)"])
            }
        }
    }
}
