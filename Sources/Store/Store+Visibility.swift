import Foundation
import PostgresNIO
import Workflow

/// A run as `describe` shows it.
public struct WorkflowExecutionDescription: Sendable, Codable, Hashable {
    public var namespace: String
    public var workflowId: String
    public var runId: UUID
    public var type: String
    public var taskQueue: String
    public var status: WorkflowStatus
    public var startTime: Date
    public var closeTime: Date?
    public var input: Payload?
    public var result: Payload?
    public var failure: Failure?
    public var historyLength: Int64
    public var pendingActivities: [PendingActivity]
    public var pendingTimers: [PendingTimer]
    /// The last workflow-task failure, while the task is retried or the run is `Paused`.
    public var taskFailure: TaskFailureRecord?
    public var searchAttributes: Payload?
    public var memo: Payload?
    /// The stored size of the history, in bytes of event JSON.
    public var historyBytes: Int64 = 0
    /// What the run is close to: a history past ``Limits/historyWarningEvents`` or ``Limits/historyWarningBytes``.
    public var warnings: [String] = []
    /// The run this one continued, when a continue-as-new started it.
    public var continuedExecutionRunId: UUID?
    /// The run that continued this one, when it closed `ContinuedAsNew`.
    public var newExecutionRunId: UUID?
    /// The run's children that are still open, in the order it started them (at most 1,000).
    public var pendingChildren: [PendingChild] = []
}

/// An activity of an open run that has no outcome yet.
public struct PendingActivity: Sendable, Codable, Hashable {
    public var activityId: String
    public var activityType: String
    /// `Scheduled`, `Started`, or `DeadLettered` (waiting for an operator).
    public var state: String
    public var attempt: Int
    public var lastFailure: Failure?
    public var heartbeatDetails: Payload?
    public var deadLetterId: UUID?
}

/// A timer of an open run that has not fired.
public struct PendingTimer: Sendable, Codable, Hashable {
    public var timerId: String
    public var fireAt: Date
}

/// A run in a list.
public struct WorkflowExecutionSummary: Sendable, Codable, Hashable {
    public var workflowId: String
    public var runId: UUID
    public var type: String
    public var status: WorkflowStatus
    public var startTime: Date
    public var closeTime: Date?
}

extension Store {
    /// Describes a run: the open run of the workflow id (or the latest, the last of a chain of
    /// continue-as-new runs), or the given run.
    public func describe(namespace: String, workflowId: String, runId: UUID? = nil) async throws -> WorkflowExecutionDescription {
        let resolved = try await pool.withConnection { connection in
            try await self.resolveRun(namespace: namespace, workflowId: workflowId, runId: runId, on: connection)
        }
        var described = try await describe(namespace: namespace, workflowId: workflowId, resolved: resolved)
        // A run that continued as new between the two reads: the workflow id's latest is its successor.
        var hops = 0
        while runId == nil, described.status == .continuedAsNew, let next = described.newExecutionRunId, hops < 100 {
            hops += 1
            described = try await describe(namespace: namespace, workflowId: workflowId, resolved: next)
        }
        return described
    }

    private func describe(namespace: String, workflowId: String, resolved: UUID) async throws -> WorkflowExecutionDescription {
        for try await (type, queue, status, start, close, input, result, failure, next, taskFailure, attributes, memo, bytes, continued, successor)
            in try await pool
            .execute(ExecutionsTable.Describe(runId: resolved), logger: logger)
        {
            var description = WorkflowExecutionDescription(
                namespace: namespace, workflowId: workflowId, runId: resolved, type: type, taskQueue: queue,
                status: WorkflowStatus(rawValue: status) ?? .running, startTime: start, closeTime: close,
                input: try JSONColumn.decode(Payload.self, from: input), result: try JSONColumn.decode(Payload.self, from: result),
                failure: try JSONColumn.decode(Failure.self, from: failure), historyLength: next - 1,
                pendingActivities: try await pendingActivities(of: resolved), pendingTimers: try await pendingTimers(of: resolved),
                taskFailure: try JSONColumn.decode(TaskFailureRecord.self, from: taskFailure),
                searchAttributes: try JSONColumn.decode(Payload.self, from: attributes), memo: try JSONColumn.decode(Payload.self, from: memo),
                historyBytes: bytes, warnings: limits.historyWarnings(events: next - 1, bytes: bytes), continuedExecutionRunId: continued,
                newExecutionRunId: successor)
            for try await child in try await pool.execute(ExecutionsTable.PendingChildren(parentRunId: resolved, limit: 1000), logger: logger) {
                description.pendingChildren.append(child)
            }
            return description
        }
        throw StoreError(.workflowNotFound, "no run \(resolved)")
    }

    private func pendingActivities(of runId: UUID) async throws -> [PendingActivity] {
        var result: [PendingActivity] = []
        for try await (id, type, state, attempt, failure, details, deadLetterId, _) in try await pool.execute(
            ExecutionsTable.PendingActivities(runId: runId), logger: logger)
        {
            result.append(
                PendingActivity(
                    activityId: id, activityType: type, state: state, attempt: attempt,
                    lastFailure: try JSONColumn.decode(Failure.self, from: failure),
                    heartbeatDetails: try JSONColumn.decode(Payload.self, from: details), deadLetterId: deadLetterId))
        }
        return result
    }

    private func pendingTimers(of runId: UUID) async throws -> [PendingTimer] {
        var result: [PendingTimer] = []
        for try await (id, fireAt) in try await pool.execute(TimersTable.Pending(runId: runId), logger: logger) {
            result.append(PendingTimer(timerId: id, fireAt: fireAt))
        }
        return result
    }

    /// Lists runs newest first, optionally by status, type and a list query, with keyset
    /// pagination: pass the returned token to get the next page (with the same filters).
    ///
    /// - Throws: ``StoreError`` `InvalidArgument` for a malformed page token.
    public func listWorkflows(
        namespace: String, status: WorkflowStatus? = nil, type: String? = nil, query: ListQuery? = nil, limit: Int = 100, pageToken: String? = nil
    ) async throws -> (workflows: [WorkflowExecutionSummary], nextPageToken: String?) {
        let cursor = try pageToken.map(PageToken.decode)
        var rows: [ExecutionsTable.List.Row] = []
        let list = ExecutionsTable.List(namespace: namespace, status: status, type: type, after: cursor, limit: limit + 1)
        if let query {
            let statement = ExecutionsTable.List.statement(matching: query)
            for try await row in try await pool.query(try statement.query(list), logger: logger).decode(ExecutionsTable.List.Row.self) {
                rows.append(row)
            }
        } else {
            for try await row in try await pool.execute(list, logger: logger) { rows.append(row) }
        }
        var workflows: [WorkflowExecutionSummary] = []
        for (workflowId, runId, type, status, start, close) in rows {
            workflows.append(
                WorkflowExecutionSummary(
                    workflowId: workflowId, runId: runId, type: type, status: WorkflowStatus(rawValue: status) ?? .running, startTime: start,
                    closeTime: close))
        }
        guard workflows.count > limit else { return (workflows, nil) }
        workflows.removeLast()
        let last = workflows[workflows.count - 1]
        return (workflows, PageToken(time: last.startTime, runId: last.runId).encoded)
    }
}

/// A keyset cursor, opaque to clients: base64 of `microseconds:runId`. The time stays in whole
/// microseconds, as Postgres stores it, so the cursor compares exactly.
struct PageToken: Sendable {
    var micros: Int64
    var runId: UUID

    init(micros: Int64, runId: UUID) {
        self.micros = micros
        self.runId = runId
    }

    init(time: Date, runId: UUID) {
        self.init(micros: Int64((time.timeIntervalSince1970 * 1_000_000).rounded()), runId: runId)
    }

    var encoded: String {
        Data("\(micros):\(runId.uuidString)".utf8).base64EncodedString()
    }

    static func decode(_ token: String) throws -> PageToken {
        guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8) else {
            throw StoreError(.invalidArgument, "pageToken is not a token this server issued")
        }
        let parts = text.split(separator: ":")
        guard parts.count == 2, let micros = Int64(parts[0]), let runId = UUID(uuidString: String(parts[1])) else {
            throw StoreError(.invalidArgument, "pageToken is not a token this server issued")
        }
        return PageToken(micros: micros, runId: runId)
    }
}
