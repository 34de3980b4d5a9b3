import Activities
import ArgumentParser
import Foundation
import Gateway
import Logging
import ServiceLifecycle
import Store
import Workers
import Workflow

/// `reprise-chaos worker`: the worker `reprise worker` runs (the same `Worker`, database clock and
/// gateway), with the chaos workflows and their side effect registered instead of the samples.
struct ChaosWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "Run a worker for the chaos workflows.")

    @Option(help: "The database.")
    var databaseURL: String

    @Option(help: "The base URL of the LLM provider stand-in (OpenAI's wire format).")
    var providerURL: String

    @Option(help: "The name recorded in history as this worker's identity.")
    var identity: String

    func run() async throws {
        let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .notice
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "reprise.chaos.worker")
        let store = try Store(url: databaseURL, logger: logger)
        let clock = try await Self.databaseClock(url: databaseURL, logger: logger)
        logger.notice("Keeping time by the database's clock", metadata: ["clock.offset.seconds": "\(clock.offsetSeconds)"])
        var configuration = Worker.Configuration(taskQueue: "main")
        configuration.identity = identity
        var gatewayConfiguration = Self.gateway(providerURL: providerURL)
        gatewayConfiguration.egress = EgressPolicy().allowingLoopback()
        let gateway = Gateway(configuration: gatewayConfiguration, store: store, clock: clock, logger: logger)
        let worker = Worker(
            store: store, configuration: configuration, workflows: WorkflowRegistry(ChaosWorkflows.all),
            activities: ActivityRegistry([SideEffect(database: store.client, logger: logger), LLMComplete(gateway: gateway)]),
            clock: clock, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: store.client), .init(service: ClockKeeper(clock: clock, store: store, logger: logger)), .init(service: worker)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// One route, `chaos`, to the stand-in, priced so that every call costs something.
    static func gateway(providerURL: String) -> GatewayConfiguration {
        GatewayConfiguration(
            routes: ["chaos": .init(provider: "openai", model: "chaos-model", maxTokens: 64, timeoutSeconds: 10)],
            providers: ["openai": .init(baseURL: providerURL, apiKey: "chaos-key")],
            prices: ["chaos-model": .init(input: 1, output: 5, cacheRead: 0.1, cacheWrite5m: 1.25, cacheWrite1h: 2)])
    }
}

extension ChaosWorker {
    /// The database's clock, measured before the first poll (so that no poll runs on this
    /// process's own, possibly skewed, clock), waiting for the database if it is away.
    static func databaseClock(url: String, logger: Logger) async throws -> DatabaseClock {
        let clock = DatabaseClock()
        let store = try Store(url: url, maximumConnections: 1, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            while true {
                do {
                    try await clock.synchronize(with: store)
                    return
                } catch {
                    try await Task.sleep(for: .milliseconds(250))
                }
            }
        }
        return clock
    }
}

/// Keeps the worker on the database's clock, as `reprise worker` does, every
/// ``DatabaseClock/resyncInterval``.
struct ClockKeeper: Service {
    let clock: DatabaseClock
    let store: Store
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown { await clock.run(store: store, logger: logger) }
    }
}
