import Engine
import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization
import Workers
import Workflow

/// Runs workflows and workers in-process against a real Postgres with a virtual clock, so that
/// timers, retry backoffs and timeouts of any length complete at once.
///
/// ## Usage
/// ```swift
/// try await TestEnvironment.run(workflows: [Checkout.self], activities: [Charge()]) { env in
///     try await env.start(Checkout.self, id: "order-1", input: order)
///     try await env.signal("order-1", "approve", "yes")
///     let receipt = try await env.result(Checkout.self, id: "order-1")
/// }
/// ```
public final class TestEnvironment: Sendable {
    /// How long the waits (``waitUntil(_:timeout:_:)``, ``result(_:id:timeout:)``) give a
    /// condition by default: generous, because test machines are shared and a wait only fails a
    /// test that would never pass; it measures nothing (figures live in `reprise-bench`).
    public static let defaultWait: Duration = .seconds(60)

    /// The store, on a database created for this environment.
    public let store: Store
    /// The URL of that database.
    public let databaseURL: String
    /// The virtual clock everything in the environment reads.
    public let clock: VirtualClock
    /// The namespace and task queue workflows start on.
    public let namespace = "default"
    public let taskQueue: String
    public let logger: Logger
    let tracker = WorkTracker()
    let workflows: WorkflowRegistry
    let activities: ActivityRegistry
    let workerConfiguration: Worker.Configuration
    let timerService: TimerService
    let scheduleService: ScheduleService
    let reaper: LeaseReaper
    private let workers = Mutex<[UUID: RunningWorker]>([:])

    init(
        store: Store, databaseURL: String, workflows: WorkflowRegistry, activities: ActivityRegistry, configuration: Worker.Configuration,
        logger: Logger
    ) {
        self.store = store
        self.databaseURL = databaseURL
        self.clock = VirtualClock()
        self.taskQueue = configuration.taskQueue
        self.workflows = workflows
        self.activities = activities
        self.workerConfiguration = configuration
        self.logger = logger
        self.timerService = TimerService(store: store, clock: clock, tracker: tracker, logger: logger)
        self.scheduleService = ScheduleService(store: store, clock: clock, tracker: tracker, logger: logger)
        self.reaper = LeaseReaper(store: store, clock: clock, tracker: tracker, logger: logger)
    }

    /// Creates a database, migrates it, starts a worker, the timer service and the reaper, runs
    /// `body`, and tears everything down.
    ///
    /// - Parameters:
    ///   - startWorker: `false` to start workers yourself with ``launchWorker(identity:)``.
    ///   - skipTime: `false` to move the virtual clock only by hand, with ``VirtualClock/advance(by:)``.
    ///   - databaseServer: the Postgres server to create the database on; by default `REPRISE_TEST_DATABASE_URL`.
    ///   - limits: what runs may grow to (small ones keep a limit's test fast).
    ///   - migrations: the sets besides the engine's that the workflows' activities need (the
    ///     gateway's, the samples'); the engine's is always applied.
    ///   - configure: adjusts the worker configuration (the task queue defaults to `test`).
    ///   - storeActivities: activities that need the environment's database, made once the store exists.
    public static func run<T: Sendable>(
        workflows: [any Workflow.Type], activities: [any Activity] = [], startWorker: Bool = true, skipTime: Bool = true,
        databaseServer: String? = nil, limits: Limits = Limits(), migrations: [MigrationSet] = [],
        logger: Logger = Logger(label: "reprise.test", factory: { _ in SwiftLogNoOpLogHandler() }),
        configure: (inout Worker.Configuration) -> Void = { _ in },
        storeActivities: (Store) -> [any Activity] = { _ in [] },
        _ body: (TestEnvironment) async throws -> T
    ) async throws -> T {
        var configuration = Worker.Configuration(taskQueue: "test")
        configuration.identity = "test-worker"
        configure(&configuration)
        let finalConfiguration = configuration
        return try await TestDatabase.with(server: databaseServer, logger: logger) { database in
            // 11: the ten the environment had, and the schedule service's LISTEN connection.
            let store = try Store(url: database.url, maximumConnections: 11, limits: limits, logger: logger)
            // The store stops last: a loop still querying a closed pool would wait forever.
            return try await withThrowingTaskGroup(of: Void.self) { outer in
                outer.addTask { await store.run() }
                defer { outer.cancelAll() }
                try await store.migrate(migrations)
                let environment = TestEnvironment(
                    store: store, databaseURL: database.url, workflows: WorkflowRegistry(workflows), activities: ActivityRegistry(activities + storeActivities(store)),
                    configuration: finalConfiguration, logger: logger)
                return try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await environment.timerService.run() }
                    group.addTask { try await environment.scheduleService.run() }
                    group.addTask { try await environment.reaper.run() }
                    if skipTime { group.addTask { await environment.skipTimeWhenIdle() } }
                    defer { group.cancelAll() }
                    if startWorker { environment.launchWorker() }
                    do {
                        let result = try await body(environment)
                        await environment.stopAllWorkers()
                        return result
                    } catch {
                        await environment.stopAllWorkers()
                        throw error
                    }
                }
            }
        }
    }

    // MARK: Workers

    /// A worker running in the environment, which a test can kill or shut down.
    public final class RunningWorker: Sendable {
        /// The worker itself, for its ``Worker/statistics``.
        public let worker: Worker
        let group: ServiceGroup
        let task: Task<Void, Never>

        init(worker: Worker, logger: Logger) {
            self.worker = worker
            let group = ServiceGroup(configuration: .init(services: [worker], logger: logger))
            self.group = group
            self.task = Task { try? await group.run() }
        }

        /// Kills the worker without a graceful drain, as a crash would: in-flight work is abandoned.
        public func kill() async {
            task.cancel()
            await task.value
        }

        /// Shuts the worker down gracefully and waits for it.
        public func shutdown() async {
            await group.triggerGracefulShutdown()
            await task.value
        }
    }

    /// Starts another worker on the environment's task queue; for `namespaces` when given, else
    /// for the configured ones; with its own `workflows` and `activities` when given (a worker
    /// takes only the types it registered), else the environment's.
    @discardableResult
    public func launchWorker(
        identity: String? = nil, namespaces: [String]? = nil, workflows: [any Workflow.Type]? = nil, activities: [any Activity]? = nil
    ) -> RunningWorker {
        var configuration = workerConfiguration
        if let identity { configuration.identity = identity }
        if let namespaces { configuration.namespaces = namespaces }
        let worker = Worker(
            store: store, configuration: configuration, workflows: workflows.map { WorkflowRegistry($0) } ?? self.workflows,
            activities: activities.map { ActivityRegistry($0) } ?? self.activities, clock: clock, tracker: tracker, logger: logger)
        let running = RunningWorker(worker: worker, logger: logger)
        workers.withLock { $0[UUID()] = running }
        return running
    }

    /// Kills every worker and waits until each has stopped.
    private func stopAllWorkers() async {
        for running in workers.withLock({ Array($0.values) }) { await running.kill() }
    }

    /// Skips the virtual clock to the next due item whenever the engine has been idle for two
    /// consecutive checks, then wakes every loop.
    func skipTimeWhenIdle() async {
        var idleChecks = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(3))
            guard tracker.isIdle else {
                idleChecks = 0
                continue
            }
            idleChecks += 1
            guard idleChecks >= 2 else { continue }
            // Abandoned if it hangs (a Postgres restart under a test): a hung call here would stop
            // the clock and, deaf to cancellation, hold up the environment's shutdown.
            let store = self.store
            guard let due = try? await abandoning(after: .seconds(5), { try await store.nextDue() }) else { continue }
            if due > clock.now && tracker.isIdle {
                // Postgres keeps microseconds; round up to the millisecond so the clock never stops
                // a hair before what is due.
                clock.advance(to: Date(timeIntervalSince1970: (due.timeIntervalSince1970 * 1000).rounded(.up) / 1000))
            }
            idleChecks = 0
            wakeAll()
        }
    }

    private func wakeAll() {
        timerService.wake()
        scheduleService.wake()
        reaper.wake()
        for running in workers.withLock({ Array($0.values) }) { running.worker.wake() }
    }

    // MARK: Client helpers

    /// Starts a workflow.
    @discardableResult
    public func start<W: Workflow>(
        _ type: W.Type, id: String, input: W.Input, idConflictPolicy: WorkflowIdConflictPolicy = .fail,
        executionTimeout: Duration? = nil
    ) async throws -> StartWorkflowResult {
        try await store.startWorkflow(
            StartWorkflowRequest(
                namespace: namespace, workflowId: id, workflowType: W.name, taskQueue: taskQueue, input: try Payload(encoding: input),
                idConflictPolicy: idConflictPolicy, executionTimeout: executionTimeout),
            at: clock.now)
    }

    /// Sends a signal.
    public func signal(_ workflowId: String, _ name: String, _ input: some Encodable & Sendable) async throws {
        try await store.signal(namespace: namespace, workflowId: workflowId, name: name, input: try Payload(encoding: input), at: clock.now)
    }

    /// Requests cancellation.
    public func cancel(_ workflowId: String) async throws {
        try await store.requestCancel(namespace: namespace, workflowId: workflowId, at: clock.now)
    }

    /// Terminates a run.
    public func terminate(_ workflowId: String, reason: String = "terminated by test") async throws {
        try await store.terminate(namespace: namespace, workflowId: workflowId, reason: reason, at: clock.now)
    }

    /// Describes a run.
    public func describe(_ workflowId: String) async throws -> WorkflowExecutionDescription {
        try await store.describe(namespace: namespace, workflowId: workflowId)
    }

    /// A run's history.
    public func history(_ workflowId: String) async throws -> [HistoryEvent] {
        try await store.history(runId: try await describe(workflowId).runId)
    }

    /// Waits, in real time, until `condition` holds. A check the Store did not try because its
    /// watch connection has not yet seen Postgres come back (``DatabaseUnreachableError``, "retry
    /// shortly") counts as not yet.
    ///
    /// - Throws: ``TestEnvironmentError`` when it does not hold within `timeout`.
    public func waitUntil(
        _ what: String, timeout: Duration = TestEnvironment.defaultWait, _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            do {
                if try await condition() { return }
            } catch is DatabaseUnreachableError {}
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestEnvironmentError(message: "timed out after \(timeout) waiting until \(what)")
    }

    /// Waits for the run to close and returns its description.
    public func waitForClose(_ workflowId: String, timeout: Duration = TestEnvironment.defaultWait) async throws -> WorkflowExecutionDescription {
        var description: WorkflowExecutionDescription?
        try await waitUntil("workflow \(workflowId) closes", timeout: timeout) {
            description = try await describe(workflowId)
            return description.map { !$0.status.isOpen } ?? false
        }
        return description!
    }

    /// Waits for the run to close and decodes its result.
    ///
    /// - Throws: ``TestEnvironmentError`` naming the status and failure when it did not complete.
    public func result<W: Workflow>(_ type: W.Type, id: String, timeout: Duration = TestEnvironment.defaultWait) async throws -> W.Output {
        let description = try await waitForClose(id, timeout: timeout)
        guard description.status == .completed else {
            throw TestEnvironmentError(
                message: "workflow \(id) ended \(description.status.rawValue): \(description.failure.map { "\($0.type): \($0.message)" } ?? "")")
        }
        return try (description.result ?? .null).decode(as: W.Output.self)
    }
}

/// A test environment expectation that did not come true.
public struct TestEnvironmentError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
