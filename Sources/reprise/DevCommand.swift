import ArgumentParser
import Foundation
import Logging
import Activities
import CoreMetrics
import Gateway
import Prometheus
import Samples
import ServiceLifecycle
import Server
import Store
import Workers
import Workflow

/// `reprise dev`: the API, the engine and a worker in one process, on a private Postgres unless a
/// database is given.
struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the API, the engine and a worker in one process, on a private Postgres under .reprise/dev-pg/.")

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

    func run() async throws {
        let logger = bootstrapLogging(label: "reprise.dev")
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
            try await Migrate.apply(url: url, logger: logger)
            if !check { try await serve(url: url, logger: logger) }
        } catch {
            await privateCluster?.stop()
            throw error
        }
        await privateCluster?.stop()
    }

    private func serve(url: String, logger: Logger) async throws {
        let clock = try await databaseClock(url: url, logger: logger)
        let store = try Store(url: url, logger: logger)
        let confinement = try WorkerConfinement.fromEnvironment(allowLoopback: true)
        let gateway = try makeGateway(store: store, clock: clock, egress: confinement.egress, logger: logger)
        let worker = Worker(
            store: store, configuration: .init(taskQueue: taskQueue), workflows: Registrations.workflows,
            activities: Registrations.activities(store: store, gateway: gateway, confinement: confinement), clock: clock, logger: logger)
        var configuration = APIServer.Configuration(insecure: true)
        configuration.loopbackOnly = true
        let api = APIServer(
            store: store, clock: clock, configuration: configuration, metrics: metricsRegistry, gateway: gateway, starter: worker, logger: logger)
        let services: [any Service] = [store.client, worker, api.application(host: "127.0.0.1", port: port)] + engineServices(store: store, clock: clock, logger: logger)
        print("Reprise dev server at http://127.0.0.1:\(port) (no tokens needed on loopback); worker on task queue \(taskQueue) in namespace default")
        print("The worker allows loopback (dev only): \(confinement.summary)")
        print("Try: reprise workflow execute --type TripSaga --input-file workflows/examples/trip-saga.json (the samples: docs/samples.md)")
        try await runServices(services, logger: logger)
    }
}

/// `reprise server`: the HTTP API and the engine loops (timers, reaper, retention).
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server", abstract: "Run the HTTP API, the timer service, the lease reaper and retention.")

    @Option(help: "HOST:PORT to listen on.")
    var bind = "0.0.0.0:8233"

    @Option(help: "The database. Env: DATABASE_URL.")
    var databaseURL: String?

    @Flag(help: "Serve without tokens. Never on a public address.")
    var insecure = false

    func run() async throws {
        let logger = bootstrapLogging(label: "reprise.server")
        let url = try databaseURL ?? requiredDatabaseURL()
        let parts = bind.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--bind must be HOST:PORT, got \(bind)") }
        let adminToken = ProcessInfo.processInfo.environment["REPRISE_ADMIN_TOKEN"]
        if !insecure && (adminToken ?? "").isEmpty {
            logger.notice("Auth is on and REPRISE_ADMIN_TOKEN is unset: create tokens with `reprise token create --database-url …`")
        }
        if let adminToken, !adminToken.isEmpty, adminToken.utf8.count < APIServer.Configuration.minimumAdminTokenLength {
            throw ValidationError(
                "REPRISE_ADMIN_TOKEN is \(adminToken.utf8.count) characters; it must have at least \(APIServer.Configuration.minimumAdminTokenLength) (try: openssl rand -hex 32)")
        }
        try await Migrate.apply(url: url, logger: logger)
        let clock = try await databaseClock(url: url, logger: logger)
        let store = try Store(url: url, logger: logger)
        let api = APIServer(
            store: store, clock: clock, configuration: .init(insecure: insecure, adminToken: adminToken), metrics: metricsRegistry,
            gateway: try makeGateway(store: store, clock: clock, egress: try WorkerConfinement.egress(allowLoopback: false), logger: logger), logger: logger)
        try await runServices(
            [store.client, api.application(host: String(parts[0]), port: port)] + engineServices(store: store, clock: clock, logger: logger),
            logger: logger)
    }
}

/// `reprise worker`: polls a task queue for the registered workflows and activities.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run a worker for the samples and the built-in activities.")

    @Option(help: "The database. Env: DATABASE_URL.")
    var databaseURL: String?

    @Option(help: "The task queue to poll.")
    var taskQueue = "main"

    @Option(
        name: .customLong("namespace"),
        help: "A namespace whose tasks the worker takes; repeat it or give a comma list (default: default).")
    var namespaces: [String] = []

    @Option(help: "Activity attempts in flight at once.")
    var concurrency = 64

    func run() async throws {
        let logger = bootstrapLogging(label: "reprise.worker")
        let url = try databaseURL ?? requiredDatabaseURL()
        let served = try Self.served(namespaces)
        let clock = try await databaseClock(url: url, logger: logger)
        let store = try Store(url: url, logger: logger)
        var configuration = Worker.Configuration(taskQueue: taskQueue, namespaces: served)
        configuration.maxConcurrentActivities = concurrency
        let confinement = try WorkerConfinement.fromEnvironment(allowLoopback: false)
        logger.info("Worker confinement", metadata: ["worker.confinement": "\(confinement.summary)"])
        let worker = Worker(
            store: store, configuration: configuration, workflows: Registrations.workflows,
            activities: Registrations.activities(
                store: store, gateway: try makeGateway(store: store, clock: clock, egress: confinement.egress, logger: logger),
                confinement: confinement),
            clock: clock, logger: logger)
        try await runServices([store.client, ClockSync(clock: clock, store: store, logger: logger), worker], logger: logger)
    }
}

extension WorkerCommand {
    /// The namespaces from `--namespace` flags, each possibly a comma list: checked as identifiers,
    /// deduplicated in order; `default` when none is given.
    static func served(_ flags: [String]) throws -> [String] {
        let names = flags.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
            .map { String($0).trimmingCharacters(in: .whitespaces) }
        var seen: Set<String> = []
        for name in names { try Limits().checkIdentifier(name, field: "--namespace") }
        let served = names.filter { seen.insert($0).inserted }
        return served.isEmpty ? ["default"] : served
    }
}

/// `reprise migrate`: applies the schema migrations and exits.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply the database schema migrations.")

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

func requiredDatabaseURL() throws -> String {
    guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
        throw ValidationError("give --database-url or set DATABASE_URL")
    }
    return url
}

/// Logs to stderr at info, or at `LOG_LEVEL`.
func bootstrapLogging(label: String) -> Logger {
    let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    return Logger(label: label)
}

func engineServices(store: Store, clock: DatabaseClock, logger: Logger) -> [any Service] {
    [
        ClockSync(clock: clock, store: store, logger: logger),
        TimerService(store: store, clock: clock, logger: logger), LeaseReaper(store: store, clock: clock, logger: logger),
        RetentionService(store: store, clock: clock, logger: logger),
    ]
}

/// Runs services in one group that shuts down gracefully on SIGTERM and SIGINT.
func runServices(_ services: [any Service], logger: Logger) async throws {
    let group = ServiceGroup(
        configuration: .init(services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
}

/// What `reprise dev` and `reprise worker` register: the samples and the built-in activities.
enum Registrations {
    static var workflows: WorkflowRegistry { WorkflowRegistry(Samples.workflows) }
    static func activities(store: Store, gateway: Gateway, confinement: WorkerConfinement) -> ActivityRegistry {
        let providers = Samples.Providers.fromEnvironment(database: store.client, egress: confinement.egress)
        let samples = Samples.activities(database: store.client, providers: providers, media: confinement.media)
        return ActivityRegistry(samples + BuiltInActivities.all(gateway: gateway, media: confinement.media))
    }
}

/// The gateway every command shares: its configuration comes from `REPRISE_GATEWAY_CONFIG`
/// (a JSON file, see docs/gateway.md), or the defaults; its providers may be called only where
/// `egress` allows.
func makeGateway(store: Store, clock: any EngineClock, egress: EgressPolicy, logger: Logger) throws -> Gateway {
    var configuration = try ProcessInfo.processInfo.environment["REPRISE_GATEWAY_CONFIG"].map(GatewayConfiguration.load(path:)) ?? .default
    configuration.egress = egress
    return Gateway(configuration: configuration, store: store, clock: clock, logger: logger)
}

/// The database's clock, measured once before any service starts (so that no poll ever runs on
/// this process's own clock), then kept in step by ``ClockSync``.
func databaseClock(url: String, logger: Logger) async throws -> DatabaseClock {
    let clock = DatabaseClock()
    let store = try Store(url: url, maximumConnections: 1, logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await store.run() }
        defer { group.cancelAll() }
        try await clock.synchronize(with: store)
    }
    if abs(clock.offsetSeconds) > 1 {
        logger.warning(
            "This machine's clock is off from the database's; Reprise keeps time by the database",
            metadata: ["clock.offset.seconds": "\(clock.offsetSeconds)"])
    }
    return clock
}

/// Measures the database clock's offset again every `DatabaseClock.resyncInterval`.
struct ClockSync: Service {
    let clock: DatabaseClock
    let store: Store
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown { await clock.run(store: store, logger: logger) }
    }
}

/// Prometheus: one registry for the API's `/metrics`, and the backend of swift-metrics (the gateway's counters).
let metricsRegistry: PrometheusCollectorRegistry = {
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    return registry
}()
