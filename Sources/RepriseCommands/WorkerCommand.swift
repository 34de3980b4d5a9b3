import ArgumentParser
import Foundation
import Logging
import Store
import Workers

/// `reprise worker`: polls a task queue for the registered workflows and activities.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run a worker for the registered workflows and activities and the built-in activities.",
        discussion: "Every setting is a key: --set KEY=VALUE, REPRISE_* variables or a --config file give it (docs/configuration.md).",
        subcommands: [WorkerListCommand.self])

    @OptionGroup var config: ConfigurationOptions

    @Option(help: "The task queue to poll (key worker.taskQueue; default main).")
    var taskQueue: String?

    @Option(
        name: .customLong("namespace"),
        help: "A namespace whose tasks the worker takes; repeat it or give a comma list (key worker.namespaces; default: default).")
    var namespaces: [String] = []

    @Option(help: "Activity attempts in flight at once (key worker.activitySlots; default 64).")
    var concurrency: String?

    @Option(help: "The build the worker announces in `reprise worker list` (key worker.build; default: Reprise's version).")
    var build: String?

    func run() async throws {
        let settings = try await config.resolve(
            WorkerConfiguration.settings, over: WorkerConfiguration(),
            flags: [
                ("worker.taskQueue", taskQueue, "--task-queue"), ("worker.namespaces", namespaces.isEmpty ? nil : namespaces.joined(separator: ","), "--namespace"),
                ("worker.activitySlots", concurrency, "--concurrency"), ("worker.build", build, "--build"),
            ])
        let logger = bootstrapLogging(label: "reprise.worker")
        guard let url = settings.database.url else { throw ValidationError("give --database-url, set REPRISE_DATABASE_URL or DATABASE_URL, or database.url in --config") }
        var configuration = settings.worker
        configuration.databaseCallTimeout = settings.database.callTimeout
        try await MigrateCommand.apply(url: url, sets: MigrateCommand.registeredSets, logger: logger)
        let clock = try await databaseClock(url: url, logger: logger)
        let store = try settings.database.store(url: url, limits: settings.limits, logger: logger)
        let confinement = try WorkerConfinement.fromEnvironment(allowLoopback: false, environment: settings.outbound.environment)
        logger.info("Worker confinement", metadata: ["worker.confinement": "\(confinement.summary)"])
        let gateway = try makeGateway(store: store, clock: clock, egress: confinement.egress, configPath: settings.outbound.gatewayConfig, logger: logger)
        let worker = Worker(
            store: store, configuration: configuration, workflows: Registration.current.workflowRegistry,
            activities: try Registration.current.activityRegistry(confinement.resources(store: store, gateway: gateway, logger: logger)),
            clock: clock, logger: logger)
        try await runServices([StoreService(store: store), ClockSync(clock: clock, store: store, logger: logger), worker], logger: logger)
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
