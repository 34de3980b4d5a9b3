import Foundation
import PostgresNIO
import Workflow

/// A workflow task leased to a worker.
public struct WorkflowTask: Sendable {
    public var runId: UUID
    public var namespace: String
    public var workflowId: String
    public var workflowType: String
    public var taskQueue: String
    /// 1 for the first attempt; failed attempts count up.
    public var attempt: Int
    /// Proves the lease on completion; a stale worker's token no longer matches.
    public var leaseToken: UUID
    /// The `WorkflowTaskScheduled` event this task answers.
    public var scheduledEventId: Int64
    /// The history's next event id when the task was leased. Completion is fenced by it: if any
    /// event arrived meanwhile, the completion is refused and the task runs again on the new history.
    public var nextEventId: Int64
    /// Set when this poll took the task over from a lease that expired without a result: the
    /// previous holder crashed, hung in workflow code or lost its database. Names that holder.
    public var expiredLeaseOwner: String?
    /// The stored size of the run's history when the task was leased, in bytes of event JSON
    /// (what ``WorkflowInfo/historySize`` reports).
    public var historyBytes: Int64 = 0
    /// The run's stored trace context (``StartWorkflowRequest/traceContext``), from a poll.
    public var traceContext: String? = nil
    /// When the task became ready, from a poll (schedule-to-start latency).
    public var visibleAt: Date? = nil
}

/// What a completed workflow task wrote, and the activity attempts leased to the completing worker.
public struct WorkflowTaskCompletion: Sendable {
    /// The events appended, from the task's `WorkflowTaskStarted` on (for an eager start's first
    /// task, from the run's first event).
    public var events: [HistoryEvent]
    /// Activity attempts leased to the completing worker in the same transaction ("eager
    /// dispatch"): it runs them at once, without a poll.
    public var eagerActivities: [ActivityTask]
    /// The stored size of the run's history before these events, in bytes of event JSON, as the
    /// completion read it under the run's lock: what the worker knows of the size until its next poll.
    public var historyBytesBefore: Int64 = 0

    /// Whether the task closed its run: by its code's own command, or because a limit turned its
    /// commands into a failure (``Limits``), when the code's copy of the run does not know it.
    public var closesRun: Bool { events.contains { Store.closeOutcome(of: $0.attributes) != nil } }
}

/// Lets a completing worker take the activities its workflow task schedules, in the same
/// transaction, so that they need neither a NOTIFY nor a poll.
public struct EagerActivities: Sendable {
    /// The worker's identity, recorded as the lease owner.
    public var owner: String
    /// Only activities on this queue (the worker's own) are taken.
    public var taskQueue: String
    /// How many the worker can start now.
    public var limit: Int
    /// Only activities of these types (the ones the worker registered) are taken.
    public var activityTypes: Set<String>

    public init(owner: String, taskQueue: String, limit: Int, activityTypes: Set<String>) {
        self.owner = owner
        self.taskQueue = taskQueue
        self.limit = limit
        self.activityTypes = activityTypes
    }

    /// Whether the worker can take this scheduled activity now, with `taken` already taken.
    func takes(_ scheduled: HistoryEvent.ActivityTaskScheduledAttributes, taken: Int) -> Bool {
        taken < limit && scheduled.taskQueue == taskQueue && activityTypes.contains(scheduled.activityType)
    }
}

extension Store {
    /// Leases up to `limit` ready workflow tasks of a queue in the given namespaces and of the given
    /// workflow types (the ones the worker registered: it never takes a run it cannot replay), in
    /// one statement, shared fairly among the namespaces (``FairDequeue``; the first given goes
    /// first within a round). A task whose lease expired is ready again, with its
    /// ``WorkflowTask/expiredLeaseOwner`` set.
    ///
    /// - Throws: ``StoreError`` `InvalidArgument` when `namespaces` is empty.
    public func pollWorkflowTasks(
        taskQueue: String, namespaces: [String] = ["default"], workflowTypes: [String], owner: String, limit: Int, leaseDuration: Duration,
        at now: Date
    ) async throws -> [WorkflowTask] {
        var tasks: [WorkflowTask] = []
        let poll = WorkflowTasksTable.Poll(
            now: now, taskQueue: taskQueue, namespaces: namespaces, workflowTypes: workflowTypes, limit: Int64(limit),
            leaseUntil: now.addingTimeInterval(leaseDuration.seconds), owner: owner)
        for try await task in try await pool.execute(poll, logger: logger) { tasks.append(task) }
        return tasks
    }

}
