import ArgumentParser
import Gateway
import Logging
import Samples
import Store

/// `reprise migrate`: applies the schema migrations and exits.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply the database schema migrations.")

    @Option(help: "The database. Env: DATABASE_URL.")
    var databaseURL: String?

    func run() async throws {
        try await Self.apply(url: databaseURL ?? requiredDatabaseURL(), logger: bootstrapLogging(label: "reprise.migrate"))
    }

    /// The sets besides the engine's that this binary needs: it runs the gateway and the samples.
    static let sets: [MigrationSet] = [.gateway, .samples]

    /// Applies the migrations with a client of its own, before any service starts, and logs each
    /// owner's schema version and what this call applied of it.
    static func apply(url: String, logger: Logger) async throws {
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
