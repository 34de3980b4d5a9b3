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
        commandName: "dev", abstract: "Run the API, the engine and a worker in one process, on a private Postgres under .reprise/dev-pg/.",
        discussion: "Every setting is a key: --set KEY=VALUE, REPRISE_* variables or a --config file give it (docs/configuration.md).")

    @OptionGroup var config: ConfigurationOptions
    @OptionGroup var listen: ListenOptions

    @Option(help: "Where the private Postgres cluster lives (key dev.dataDir; default .reprise/dev-pg).")
    var dataDir: String?

    @Option(help: "The private cluster's port (key dev.postgresPort; default 54329).")
    var postgresPort: String?

    @Option(help: "The task queue the worker polls (key worker.taskQueue; default main).")
    var taskQueue: String?

    @Flag(help: "Start Postgres, migrate, and exit: a smoke check of the setup.")
    var check = false

    @OptionGroup var webhooks: WebhookOptions

    func run() async throws {
        var flags = try listen.flags
        flags += [
            (key: "dev.dataDir", value: dataDir, flag: "--data-dir"), (key: "dev.postgresPort", value: postgresPort, flag: "--postgres-port"),
            (key: "worker.taskQueue", value: taskQueue, flag: "--task-queue"),
        ]
        let settings = try await config.resolve(DevConfiguration.settings, over: DevConfiguration(), flags: flags)
        // dev serves without tokens: only a loopback address keeps that to this machine.
        guard ["127.0.0.1", "::1", "localhost"].contains(settings.http.host) else {
            throw ValidationError("http.host: reprise dev serves without tokens and listens on loopback only (127.0.0.1, ::1 or localhost), got \(settings.http.host); use reprise server elsewhere")
        }
        let logger = bootstrapLogging(label: "reprise.dev")
        let webhookConfiguration = try webhooks.configuration(logger: logger)
        var privateCluster: PrivatePostgres?
        let url: String
        if let given = settings.database.url {
            url = given
        } else {
            let cluster = PrivatePostgres(directory: URL(fileURLWithPath: settings.dataDirectory).standardizedFileURL, port: settings.postgresPort)
            url = try await cluster.start()
            privateCluster = cluster
            logger.info("Private Postgres is up", metadata: ["database.url": "\(url)"])
        }
        do {
            try await MigrateCommand.apply(url: url, sets: MigrateCommand.registeredSets, logger: logger)
            if !check { try await serve(url: url, settings: settings, webhooks: webhookConfiguration, logger: logger) }
        } catch {
            await privateCluster?.stop()
            throw error
        }
        await privateCluster?.stop()
    }

    private func serve(url: String, settings: DevConfiguration, webhooks: WebhookConfiguration?, logger: Logger) async throws {
        let clock = try await databaseClock(url: url, logger: logger)
        let store = try settings.database.store(url: url, limits: settings.limits, logger: logger)
        let confinement = try WorkerConfinement.fromEnvironment(allowLoopback: true, environment: settings.outbound.environment)
        let gateway = try makeGateway(store: store, clock: clock, egress: confinement.egress, configPath: settings.outbound.gatewayConfig, logger: logger)
        let registration = Registration.current
        let activities = try registration.activityRegistry(confinement.resources(store: store, gateway: gateway, logger: logger))
        var workerConfiguration = settings.worker
        workerConfiguration.databaseCallTimeout = settings.database.callTimeout
        let worker = Worker(
            store: store, configuration: workerConfiguration, workflows: registration.workflowRegistry, activities: activities, clock: clock, logger: logger)
        var configuration = settings.api
        configuration.insecure = true
        configuration.loopbackOnly = true
        configuration.redirectRootToConsole = true
        configuration.webhooks = webhooks
        configuration.limits = settings.limits
        configuration.databaseCallTimeout = settings.database.callTimeout
        let api = APIServer(
            store: store, clock: clock, configuration: configuration, metrics: metricsRegistry, gateway: gateway, starter: worker, logger: logger)
        let (host, port, taskQueue) = (settings.http.host, settings.http.port, settings.worker.taskQueue)
        let services: [any Service] =
            [StoreService(store: store), worker, api.application(host: host, port: port)]
            + engineServices(store: store, clock: clock, settings: settings.engine, callTimeout: settings.database.callTimeout, logger: logger)
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        print("Reprise dev server at http://\(address) (no tokens needed on loopback; the console is at /ui/); worker on task queue \(taskQueue) in namespace default")
        print("Workflows: \(registration.workflowRegistry.names.joined(separator: ", ")); activities: \(activities.names.joined(separator: ", "))")
        print("The worker allows loopback (dev only): \(confinement.summary)")
        if let hint = registration.devHint { print("Try: \(hint)") }
        // Out now, not when a buffer fills: the banner is what a redirected log is read for.
        fflush(nil)
        try await runServices(services, logger: logger)
    }
}
