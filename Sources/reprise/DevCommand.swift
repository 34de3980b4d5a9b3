import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Store
import Workers
import Workflow

/// `reprise dev`: the engine and a worker in one process, on a private Postgres unless
/// `DATABASE_URL` is set.
struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the engine and a worker in one process, on a private Postgres under .reprise/.")

    @Option(help: "The database to use; without it, a private cluster under --data-dir. Env: DATABASE_URL.")
    var databaseURL: String?

    @Option(help: "Where the private Postgres cluster lives.")
    var dataDir = ".reprise"

    @Option(help: "The private cluster's port.")
    var postgresPort = 54329

    @Option(help: "The task queue the worker polls.")
    var taskQueue = "main"

    @Flag(help: "Start, migrate, and exit at once: a smoke check of the setup.")
    var check = false

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "reprise.dev")
        var privateCluster: PrivatePostgres?
        let url: String
        if let given = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"] {
            url = given
        } else {
            let cluster = PrivatePostgres(
                directory: URL(fileURLWithPath: dataDir).appendingPathComponent("postgres").standardizedFileURL, port: postgresPort)
            url = try await cluster.start()
            privateCluster = cluster
            logger.info("Private Postgres is up", metadata: ["database.url": "\(url)"])
        }
        do {
            try await serve(url: url, logger: logger)
        } catch {
            await privateCluster?.stop()
            throw error
        }
        await privateCluster?.stop()
    }

    private func serve(url: String, logger: Logger) async throws {

        try await Migrate.apply(url: url, logger: logger)
        if check { return }
        let store = try Store(url: url, logger: logger)
        let clock = SystemClock()
        let worker = Worker(
            store: store, configuration: .init(taskQueue: taskQueue), workflows: Registrations.workflows,
            activities: Registrations.activities, clock: clock, logger: logger)
        let services: [any Service] = [
            store,
            worker,
            TimerService(store: store, clock: clock, logger: logger),
            LeaseReaper(store: store, clock: clock, logger: logger),
            RetentionService(store: store, clock: clock, logger: logger),
        ]
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// `reprise migrate`: applies the schema migrations and exits.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply the database schema migrations.")

    @Option(help: "The database. Env: DATABASE_URL.")
    var databaseURL: String?

    func run() async throws {
        guard let url = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"] else {
            throw ValidationError("give --database-url or set DATABASE_URL")
        }
        try await Self.apply(url: url, logger: Logger(label: "reprise.migrate"))
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

extension Store: Service {}

/// What `reprise dev` and `reprise worker` register: the samples and the built-in activities.
enum Registrations {
    static var workflows: WorkflowRegistry { WorkflowRegistry() }
    static var activities: ActivityRegistry { ActivityRegistry() }
}
