import Foundation
import PostgresNIO
import Workflow

/// An activity that ran out of attempts and waits for an operator.
public struct DeadLetter: Sendable, Codable, Hashable {
    public var id: UUID
    public var namespace: String
    public var runId: UUID
    public var workflowId: String
    public var workflowType: String
    public var activityId: String
    public var activityType: String
    public var taskQueue: String
    public var input: Payload?
    public var attempts: Int
    public var lastFailure: Failure
    public var heartbeatDetails: Payload?
    public var deadAt: Date
    /// `Pending`, or how an operator handled it: `Retried`, `Failed`, `Resolved`.
    public var state: String
    public var handledAt: Date?
}

extension Store {
    /// Parks a finished-for-good activity in the dead-letter queue; the workflow keeps waiting.
    func deadLetter(_ row: ActivityRow, failure: Failure, run: inout LockedRun, at now: Date, on connection: PostgresConnection) async throws {
        let id = UUID()
        try await connection.query(
            """
            INSERT INTO dead_letters (id, namespace, run_id, workflow_id, workflow_type, activity_id, activity_type, task_queue, input, options,
                scheduled_event_id, scheduled_at, attempts, last_failure, heartbeat_details, dead_at)
            VALUES (\(id), \(run.namespace), \(run.runId), \(run.workflowId), \(run.workflowType), \(row.activityId), \(row.activityType),
                \(row.taskQueue), \(try JSONColumn.encodeIfPresent(row.input))::jsonb, \(try JSONColumn.encode(row.options))::jsonb,
                \(row.scheduledEventId), \(row.scheduledAt), \(row.attempt), \(try JSONColumn.encode(failure))::jsonb,
                \(try JSONColumn.encodeIfPresent(row.heartbeatDetails))::jsonb, \(now))
            """, logger: logger)
        try await append(
            [
                .activityTaskDeadLettered(
                    .init(scheduledEventId: row.scheduledEventId, attempt: row.attempt, failure: failure, deadLetterId: id.uuidString.lowercased()))
            ], to: &run, at: now, on: connection)
    }

    private static let deadLetterColumns = """
        id, namespace, run_id, workflow_id, workflow_type, activity_id, activity_type, task_queue, input::text, attempts,
        last_failure::text, heartbeat_details::text, dead_at, state, handled_at
        """

    private func decodeDeadLetters(_ rows: PostgresRowSequence) async throws -> [DeadLetter] {
        var result: [DeadLetter] = []
        for try await row in rows {
            let (id, namespace, runId, workflowId, workflowType, activityId, activityType, queue, input, attempts, failure, details,
                deadAt, state, handledAt) = try row.decode(
                    (UUID, String, UUID, String, String, String, String, String, String?, Int, String, String?, Date, String, Date?).self)
            result.append(
                DeadLetter(
                    id: id, namespace: namespace, runId: runId, workflowId: workflowId, workflowType: workflowType, activityId: activityId,
                    activityType: activityType, taskQueue: queue, input: try JSONColumn.decode(Payload.self, from: input), attempts: attempts,
                    lastFailure: try JSONColumn.decode(Failure.self, from: failure) ?? Failure(message: "", type: ""),
                    heartbeatDetails: try JSONColumn.decode(Payload.self, from: details), deadAt: deadAt, state: state, handledAt: handledAt))
        }
        return result
    }

    /// Dead letters of a namespace, newest first, with keyset pagination on (dead_at, id).
    public func deadLetters(namespace: String, state: String? = "Pending", limit: Int = 100, after cursor: (Date, UUID)? = nil)
        async throws -> [DeadLetter]
    {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.deadLetterColumns) FROM dead_letters
            WHERE namespace = \(namespace) AND (\(state)::text IS NULL OR state = \(state))
              AND (\(cursor?.0)::timestamptz IS NULL OR (dead_at, id) < (\(cursor?.0), \(cursor?.1)))
            ORDER BY dead_at DESC, id DESC LIMIT \(limit)
            """, logger: logger)
        return try await decodeDeadLetters(rows)
    }

    /// One dead letter.
    public func deadLetter(namespace: String, id: UUID) async throws -> DeadLetter {
        let rows = try await client.query(
            "SELECT \(unescaped: Self.deadLetterColumns) FROM dead_letters WHERE namespace = \(namespace) AND id = \(id)", logger: logger)
        guard let letter = try await decodeDeadLetters(rows).first else {
            throw StoreError(.deadLetterNotFound, "no dead letter \(id) in namespace \"\(namespace)\"")
        }
        return letter
    }

    /// Locks a pending dead letter's run and row, for an operator's transition.
    private func lockPendingDeadLetter(namespace: String, id: UUID, on connection: PostgresConnection) async throws
        -> (LockedRun, ActivityRow)
    {
        var runId: UUID?
        for try await value in try await connection.query(
            "SELECT run_id FROM dead_letters WHERE namespace = \(namespace) AND id = \(id)", logger: logger
        ).decode(UUID.self) {
            runId = value
        }
        guard let runId else { throw StoreError(.deadLetterNotFound, "no dead letter \(id) in namespace \"\(namespace)\"") }
        let run = try await lockRun(runId, on: connection)
        let rows = try await connection.query(
            """
            SELECT run_id, activity_id, activity_type, task_queue, input::text, options::text, scheduled_event_id, scheduled_at, attempts,
                NULL::text, heartbeat_details::text, NULL::timestamptz
            FROM dead_letters WHERE id = \(id) AND state = 'Pending' FOR UPDATE
            """, logger: logger)
        guard let row = try await ActivityRow.decode(rows).first else {
            throw StoreError(.deadLetterClosed, "dead letter \(id) was already handled")
        }
        guard run.status.isOpen else {
            throw StoreError(.workflowClosed, "the run of dead letter \(id) is already \(run.status.rawValue)")
        }
        return (run, row)
    }

    private func markHandled(_ id: UUID, state: String, identity: String?, at now: Date, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE dead_letters SET state = \(state), handled_at = \(now), handled_by = \(identity) WHERE id = \(id)", logger: logger)
    }

    /// Retries a dead-lettered activity with fresh attempts, optionally with new input.
    public func retryDeadLetter(namespace: String, id: UUID, input: Payload? = nil, identity: String? = nil, at now: Date) async throws {
        try await transaction { connection in
            var (run, row) = try await self.lockPendingDeadLetter(namespace: namespace, id: id, on: connection)
            let newInput = input ?? row.input
            try await connection.query(
                """
                INSERT INTO activity_tasks (run_id, activity_id, namespace, workflow_id, workflow_type, task_queue, activity_type, input, options,
                    scheduled_event_id, scheduled_at, visible_at, heartbeat_details, schedule_to_start_deadline, schedule_to_close_deadline)
                VALUES (\(run.runId), \(row.activityId), \(run.namespace), \(run.workflowId), \(run.workflowType), \(row.taskQueue),
                    \(row.activityType), \(try JSONColumn.encodeIfPresent(newInput))::jsonb, \(try JSONColumn.encode(row.options))::jsonb,
                    \(row.scheduledEventId), \(now), \(now), \(try JSONColumn.encodeIfPresent(row.heartbeatDetails))::jsonb,
                    \(row.options.scheduleToStartTimeout.map { now.addingTimeInterval($0.seconds) }),
                    \(row.options.scheduleToCloseTimeout.map { now.addingTimeInterval($0.seconds) }))
                """, logger: self.logger)
            try await self.append(
                [
                    .activityTaskDeadLetterRetried(
                        .init(scheduledEventId: row.scheduledEventId, deadLetterId: id.uuidString.lowercased(), input: input, identity: identity))
                ], to: &run, at: now, on: connection)
            try await self.markHandled(id, state: "Retried", identity: identity, at: now, on: connection)
            try await self.notify(Channel.activityTasks(namespace: run.namespace, queue: row.taskQueue), on: connection)
        }
    }

    /// Fails a dead-lettered activity into the workflow, which may compensate.
    public func failDeadLetter(namespace: String, id: UUID, message: String? = nil, identity: String? = nil, at now: Date) async throws {
        try await transaction { connection in
            var (run, row) = try await self.lockPendingDeadLetter(namespace: namespace, id: id, on: connection)
            let last = try await self.lastFailure(of: id, on: connection)
            let failure =
                message.map { Failure(message: $0, type: "DeadLetterFailed", nonRetryable: true, cause: last) } ?? last
            let started = try await self.append(
                [.activityTaskStarted(.init(scheduledEventId: row.scheduledEventId, attempt: row.attempt, identity: identity))], to: &run,
                at: now, on: connection)
            try await self.append(
                [
                    .activityTaskFailed(
                        .init(scheduledEventId: row.scheduledEventId, startedEventId: started[0].eventId, failure: failure,
                            retryState: "NonRetryableFailure", identity: identity))
                ], to: &run, at: now, on: connection)
            try await self.scheduleWorkflowTask(for: &run, at: now, on: connection)
            try await self.markHandled(id, state: "Failed", identity: identity, at: now, on: connection)
        }
    }

    /// Resolves a dead-lettered activity with a result given by hand.
    public func resolveDeadLetter(namespace: String, id: UUID, result: Payload?, identity: String? = nil, at now: Date) async throws {
        try await transaction { connection in
            var (run, row) = try await self.lockPendingDeadLetter(namespace: namespace, id: id, on: connection)
            let started = try await self.append(
                [.activityTaskStarted(.init(scheduledEventId: row.scheduledEventId, attempt: row.attempt, identity: identity))], to: &run,
                at: now, on: connection)
            try await self.append(
                [
                    .activityTaskCompleted(
                        .init(scheduledEventId: row.scheduledEventId, startedEventId: started[0].eventId, result: result, identity: identity))
                ], to: &run, at: now, on: connection)
            try await self.scheduleWorkflowTask(for: &run, at: now, on: connection)
            try await self.markHandled(id, state: "Resolved", identity: identity, at: now, on: connection)
        }
    }

    private func lastFailure(of id: UUID, on connection: PostgresConnection) async throws -> Failure {
        for try await text in try await connection.query("SELECT last_failure::text FROM dead_letters WHERE id = \(id)", logger: logger)
            .decode(String.self)
        {
            if let failure = try JSONColumn.decode(Failure.self, from: text) { return failure }
        }
        return Failure(message: "dead-lettered", type: "DeadLetter")
    }
}
