import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization
import Workflow

/// Polls one task queue in the namespaces it serves and runs their workflow tasks and activity
/// tasks, with bounded concurrency. It never takes a task of another namespace (issue 15): a run
/// started in namespace A on a queue a namespace-B worker serves waits for an A worker. Nor a task
/// of a type it has not registered (issue 18): workers with different registries share a queue,
/// each running its own types. It announces itself with a heartbeat while it runs (docs/workers.md).
///
/// Most executables never build one by hand: `RepriseCLI.main` (the `RepriseCommands` product)
/// gives them a `worker` subcommand for their registration. By hand, the ``Store`` is not a
/// `Service`: its pool runs in a task of its own, beside the group, and stops after it.
///
/// ## Usage
/// ```swift
/// let store = try Store(url: databaseURL, logger: logger)
/// try await withThrowingTaskGroup(of: Void.self) { pool in
///     pool.addTask { await store.run() }
///     defer { pool.cancelAll() }
///     let worker = Worker(store: store, configuration: .init(taskQueue: "main"),
///                         workflows: WorkflowRegistry([Checkout.self]), activities: ActivityRegistry([Charge()]),
///                         logger: logger)
///     let group = ServiceGroup(services: [worker], gracefulShutdownSignals: [.sigterm], logger: logger)
///     try await group.run()
/// }
/// ```
public final class Worker: Service, Sendable {
    /// How a worker polls and runs.
    public struct Configuration: Sendable {
        /// The task queue to poll.
        public var taskQueue: String
        /// The namespaces whose tasks the worker takes: its polls, its notifications and its eager
        /// starts are limited to them. A worker for several shares its polls fairly among them.
        public var namespaces: [String]
        /// The name recorded in history as the worker's identity.
        public var identity: String = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
        /// Workflow tasks in flight at once.
        public var maxConcurrentWorkflowTasks: Int = 16
        /// Activity attempts in flight at once.
        public var maxConcurrentActivities: Int = 64
        /// Queries answered at once (docs/queries.md).
        public var maxConcurrentQueries: Int = 8
        /// Runs kept in memory between workflow tasks.
        public var runCacheSize: Int = 1000
        /// How long a workflow task's lease lasts before another worker may take it.
        public var workflowTaskLease: Duration = .seconds(10)
        /// Failed attempts of a workflow task before its run is marked `Paused`.
        public var maxWorkflowTaskAttempts: Int = 10
        /// The cap on the delay between failed workflow-task attempts (1 s doubling up to this).
        public var maxWorkflowTaskRetryDelay: Duration = .seconds(60)
        /// The slow poll used when no notification arrives.
        public var pollInterval: Duration = .seconds(2)
        /// How long one of the worker's database calls (a poll, a completion) may take before it
        /// is abandoned: PostgresNIO can leave a call hanging when Postgres restarts under it.
        public var databaseCallTimeout: Duration = defaultDatabaseCallTimeout
        /// How long an activation may run before the watchdog reports it stuck.
        public var stuckWorkflowTaskThreshold: Duration = .seconds(2)
        /// How long graceful shutdown waits for running activities before releasing them.
        public var gracefulShutdownTimeout: Duration = .seconds(30)
        /// The least time between two heartbeats sent to Postgres for one attempt.
        public var heartbeatThrottle: Duration = .seconds(1)
        /// The build the worker announces (`reprise worker list`): a version string of the
        /// deployment, or else ``defaultBuild``.
        public var build: String = Configuration.defaultBuild
        /// How often the worker announces itself: its identity, queue, types and build
        /// (docs/workers.md).
        public var workerHeartbeatInterval: Duration = .seconds(5)
        /// How long after its last announcement the worker still counts as live: four intervals,
        /// so that one slow or lost heartbeat does not take it off the list.
        public var workerLiveness: Duration = .seconds(20)

        /// The build a worker announces when none is given: Reprise's version.
        public static let defaultBuild = "reprise-\(RepriseVersion.current)"

        public init(taskQueue: String, namespaces: [String] = ["default"]) {
            self.taskQueue = taskQueue
            self.namespaces = namespaces
        }
    }

    let store: Store
    let configuration: Configuration
    let workflows: WorkflowRegistry
    let activities: ActivityRegistry
    /// The registered types, which the polls ask for: the worker takes no task it cannot run.
    let workflowTypes: [String]
    let activityTypes: [String]
    let registeredActivities: Set<String>
    let clock: any EngineClock
    let logger: Logger
    let tracker: WorkTracker
    let cache: RunCache
    let workflowWakeup = Wakeup()
    let activityWakeup = Wakeup()
    let queryWakeup = Wakeup()
    /// Activity attempts in flight, polled or eagerly dispatched: both draw on the same slots.
    let activitySlots = WorkTracker()
    /// Workflow tasks in flight from polls (``WorkerMetrics/sample(workflowSlotsFree:activitySlotsFree:cachedRuns:)``).
    let workflowSlots = WorkTracker()
    /// Rung when an activity slot frees, for a poll loop waiting on a full worker.
    let activitySlotFreed = Wakeup()
    /// Eager activities handed over but not yet taken up; a killed worker drops them (their
    /// leases expire), and gives back their slots and busy marks.
    let undeliveredEager = Atomic<Int>(0)
    /// Where eagerly leased activities go while the worker runs; nil before and after.
    let eagerActivities = Mutex<AsyncStream<ActivityTask>.Continuation?>(nil)
    let counters = Mutex(Statistics())
    /// Each poller's turn, which rotates the order its polls serve the namespaces in (``servedInTurn(_:)``).
    let workflowPollTurn = Atomic<UInt>(0)
    let activityPollTurn = Atomic<UInt>(0)

    /// How often the hot path's shortcuts were taken (docs/performance.md, "The hot path now").
    public struct Statistics: Sendable, Equatable {
        /// Workflow tasks run inside an activity's completion, on the cached run.
        public var inlineWorkflowTasks = 0
        /// Activity attempts leased to this worker by the transaction that scheduled them.
        public var eagerActivities = 0
        /// Runs whose first workflow task this worker ran inside their start.
        public var eagerStarts = 0
        /// Queries answered from a cached run.
        public var queriesFromCache = 0
        /// Queries answered by replaying the run's history.
        public var queriesReplayed = 0
    }

    /// How often the hot path's shortcuts were taken so far.
    public var statistics: Statistics { counters.withLock { $0 } }

    /// How many runs the worker holds in its cache now.
    public var cachedRuns: Int { cache.count }

    public init(
        store: Store, configuration: Configuration, workflows: WorkflowRegistry, activities: ActivityRegistry,
        clock: any EngineClock = SystemClock(), tracker: WorkTracker = WorkTracker(), logger: Logger
    ) {
        self.store = store
        self.configuration = configuration
        self.workflows = workflows
        self.activities = activities
        self.workflowTypes = workflows.names
        self.activityTypes = activities.names
        self.registeredActivities = Set(activities.names)
        self.clock = clock
        self.tracker = tracker
        self.cache = RunCache(capacity: configuration.runCacheSize)
        var logger = logger
        logger[metadataKey: "worker.taskQueue"] = "\(configuration.taskQueue)"
        logger[metadataKey: "worker.namespaces"] = "\(configuration.namespaces.joined(separator: ","))"
        self.logger = logger
    }

    /// Whether the worker takes tasks of `namespace`.
    func serves(_ namespace: String) -> Bool { configuration.namespaces.contains(namespace) }

    /// The served namespaces for a poller's next poll, rotated one further each turn, so that the
    /// namespace served first in a poll round-robins (``Store/pollWorkflowTasks(taskQueue:namespaces:owner:limit:leaseDuration:at:)``).
    func servedInTurn(_ turn: borrowing Atomic<UInt>) -> [String] {
        let namespaces = configuration.namespaces
        guard namespaces.count > 1 else { return namespaces }
        let start = Int(turn.wrappingAdd(1, ordering: .relaxed).oldValue % UInt(namespaces.count))
        return Array(namespaces[start...] + namespaces[..<start])
    }

    /// Wakes both pollers for an immediate poll, as a notification would.
    public func wake() {
        workflowWakeup.ring()
        activityWakeup.ring()
    }

    /// Runs the pollers until the task is canceled or a graceful shutdown is requested; then stops
    /// polling, finishes workflow tasks, and gives running activities until the timeout.
    public func run() async throws {
        var wakeups: [String: Wakeup] = [:]
        for namespace in configuration.namespaces {
            wakeups[Channel.workflowTasks(namespace: namespace, queue: configuration.taskQueue)] = workflowWakeup
            wakeups[Channel.activityTasks(namespace: namespace, queue: configuration.taskQueue)] = activityWakeup
        }
        var channels = wakeups.mapValues { wakeup -> @Sendable (String?) -> Void in { _ in wakeup.ring() } }
        channels[Channel.queries] = { self.queryNotified($0) }
        let listener = NotificationListener(store: store, channels: channels, logger: logger)
        defer { cache.evictAll() }
        // Activities that workflow tasks lease to this worker as they schedule them.
        let eager = AsyncStream<ActivityTask>.makeStream()
        eagerActivities.withLock { $0 = eager.continuation }
        await withDiscardingTaskGroup { group in
            group.addTask {
                await listener.run()
                self.logger.debug("Notification listener stopped")
            }
            group.addTask { await self.announce() }
            group.addTask { await self.sampleGauges() }
            // The pollers end on graceful shutdown once their tasks are done; then the listener stops.
            await withDiscardingTaskGroup { pollers in
                pollers.addTask {
                    await self.pollWorkflowTasks()
                    // No workflow task runs any more, so none is leased eagerly; starts go plain.
                    self.eagerActivities.withLock { $0 = nil }
                    eager.continuation.finish()
                    self.logger.debug("Workflow task poller stopped")
                }
                pollers.addTask {
                    await self.pollActivityTasks()
                    self.logger.debug("Activity task poller stopped")
                }
                pollers.addTask {
                    await self.answerQueries()
                    self.logger.debug("Query poller stopped")
                }
                pollers.addTask {
                    await self.runEagerActivities(eager.stream)
                    self.logger.debug("Eager activities stopped")
                }
            }
            for _ in 0..<max(0, undeliveredEager.exchange(0, ordering: .sequentiallyConsistent)) {
                activitySlots.end()
                tracker.end()
            }
            group.cancelAll()
        }
        // Stopped gracefully: off the list at once. A killed worker's rows expire instead.
        if !Task.isCancelled { await withdraw() }
    }

    /// A bounded poll loop: leases as many tasks as there are free slots and runs each in a child
    /// task, until graceful shutdown; then waits for the children.
    func pollLoop<Item: Sendable>(
        slots: Int, inFlight: WorkTracker = WorkTracker(), slotFreed: Wakeup = Wakeup(), wakeup: Wakeup,
        poll: @escaping @Sendable (Int) async throws -> [Item], handle: @escaping @Sendable (Item) async -> Void
    ) async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let free = slots - inFlight.count
                guard free > 0 else {
                    await slotFreed.wait(timeout: .milliseconds(100))
                    continue
                }
                tracker.begin()
                let tasks: [Item]
                do {
                    // A poll in flight when Postgres drops its connections can hang in the pool and
                    // ignore cancellation; it is abandoned rather than waited for (an abandoned
                    // lease expires like a dead worker's).
                    tasks = try await abandoning(after: configuration.databaseCallTimeout) { try await poll(free) }
                } catch {
                    tracker.end()
                    logger.warning("Poll failed", metadata: ["error": "\(String(reflecting: error))"])
                    await wakeup.wait(timeout: configuration.pollInterval)
                    continue
                }
                for task in tasks {
                    inFlight.begin()
                    tracker.begin()
                    group.addTask {
                        await handle(task)
                        inFlight.end()
                        self.tracker.end()
                        slotFreed.ring()
                    }
                }
                tracker.end()
                if tasks.count < free {
                    await wakeup.wait(timeout: configuration.pollInterval)
                }
            }
        }
    }
}
