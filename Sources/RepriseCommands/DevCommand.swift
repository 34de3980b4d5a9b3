import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Server
import Store
import Workers

/// `reprise dev`: the API, the engine and a worker in one process, on a private Postgres unless a
/// database is given.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Run the API, the engine and a worker in one process, on a private Postgres under .reprise/dev-pg/.")

    @Option(help: "The database to use; without it, a private cluster under --data-dir. Env: DATABASE_URL.")
    var databaseURL: String?

    @Option(help: "The HTTP port, on 127.0.0.1.")
    var port = 8233

    @Option(help: "Where the private Postgres cluster lives.")
    var dataDir = ".reprise/dev-pg"

    @Option(help: "The private cluster's port.")
    var postgresPort = 54329

    @Option(help: "The task queue the worker polls.")
    var taskQueue = "main"

    @Flag(help: "Start Postgres, migrate, and exit: a smoke check of the setup.")
    var check = false

    @OptionGroup var webhooks: WebhookOptions

    func run() async throws {
        let logger = bootstrapLogging(label: "reprise.dev")
        let webhookConfiguration = try webhooks.configuration(logger: logger)
        var privateCluster: PrivatePostgres?
        let url: String
        if let given = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"] {
            url = given
        } else {
            let cluster = PrivatePostgres(directory: URL(fileURLWithPath: dataDir).standardizedFileURL, port: postgresPort)
            url = try await cluster.start()
            privateCluster = cluster
            logger.info("Private Postgres is up", metadata: ["database.url": "\(url)"])
        }
        do {
            try await MigrateCommand.apply(url: url, sets: MigrateCommand.registeredSets, logger: logger)
            if !check { try await serve(url: url, webhooks: webhookConfiguration, logger: logger) }
        } catch {
            await privateCluster?.stop()
            throw error
        }
        await privateCluster?.stop()
    }

    private func serve(url: String, webhooks: WebhookConfiguration?, logger: Logger) async throws {
        let clock = try await databaseClock(url: url, logger: logger)
        let store = try Store(url: url, logger: logger)
        let confinement = try WorkerConfinement.fromEnvironment(allowLoopback: true)
        let gateway = try makeGateway(store: store, clock: clock, egress: confinement.egress, logger: logger)
        let registration = Registration.current
        let activities = try registration.activityRegistry(confinement.resources(store: store, gateway: gateway, logger: logger))
        let worker = Worker(
            store: store, configuration: .init(taskQueue: taskQueue), workflows: registration.workflowRegistry, activities: activities,
            clock: clock, logger: logger)
        var configuration = APIServer.Configuration(insecure: true)
        configuration.loopbackOnly = true
        configuration.redirectRootToConsole = true
        configuration.webhooks = webhooks
        let api = APIServer(
            store: store, clock: clock, configuration: configuration, metrics: metricsRegistry, gateway: gateway, starter: worker, logger: logger)
        let services: [any Service] =
            [StoreService(store: store), worker, api.application(host: "127.0.0.1", port: port)]
            + engineServices(store: store, clock: clock, logger: logger)
        print("Reprise dev server at http://127.0.0.1:\(port) (no tokens needed on loopback; the console is at /ui/); worker on task queue \(taskQueue) in namespace default")
        print("Workflows: \(registration.workflowRegistry.names.joined(separator: ", ")); activities: \(activities.names.joined(separator: ", "))")
        print("The worker allows loopback (dev only): \(confinement.summary)")
        if let hint = registration.devHint { print("Try: \(hint)") }
        // Out now, not when a buffer fills: the banner is what a redirected log is read for.
        fflush(nil)
        try await runServices(services, logger: logger)
    }
}
