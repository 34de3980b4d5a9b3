import ArgumentParser
import Foundation
import Logging
import Store
import Workers

/// `reprise worker`: polls a task queue for the registered workflows and activities.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run a worker for the registered workflows and activities and the built-in activities.",
        subcommands: [WorkerListCommand.self])

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

    @Option(help: "The build the worker announces in `reprise worker list` (default: Reprise's version).")
    var build: String?

    func run() async throws {
        let logger = bootstrapLogging(label: "reprise.worker")
        let url = try databaseURL ?? requiredDatabaseURL()
        let served = try Self.served(namespaces)
        if let build, !(1...Store.maxWorkerLabelBytes).contains(build.utf8.count) {
            throw ValidationError("--build must have 1 to \(Store.maxWorkerLabelBytes) bytes, got \(build.utf8.count)")
        }
        try await MigrateCommand.apply(url: url, sets: MigrateCommand.registeredSets, logger: logger)
        let clock = try await databaseClock(url: url, logger: logger)
        let store = try Store(url: url, logger: logger)
        var configuration = Worker.Configuration(taskQueue: taskQueue, namespaces: served)
        configuration.maxConcurrentActivities = concurrency
        if let build { configuration.build = build }
        let confinement = try WorkerConfinement.fromEnvironment(allowLoopback: false)
        logger.info("Worker confinement", metadata: ["worker.confinement": "\(confinement.summary)"])
        let gateway = try makeGateway(store: store, clock: clock, egress: confinement.egress, logger: logger)
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
