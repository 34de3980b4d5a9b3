import Foundation
import PostgresNIO
import Workflow

/// The dead-letter queue's transitions: an activity out of attempts is parked (the workflow keeps
/// waiting), and an operator retries it with fresh attempts, fails it into the workflow, or
/// resolves it with a result given by hand. Each action locks the run, then the pending letter.
extension Store {
    /// Parks a finished-for-good activity in the dead-letter queue; the workflow keeps waiting.
    func deadLetter(_ row: ActivityRow, failure: Failure, run: inout LockedRun, at now: Date, on connection: PostgresConnection) async throws {
        let id = UUID()
        try await connection.run(DeadLettersTable.Insert(id: id, run: run, row: row, failure: failure, now: now), logger: logger)
        try await append(
            [
                .activityTaskDeadLettered(
                    .init(scheduledEventId: row.scheduledEventId, attempt: row.attempt, failure: failure, deadLetterId: id.uuidString.lowercased()))
            ], to: &run, at: now, on: connection)
    }

    /// Dead letters of a namespace, newest first, with keyset pagination on (dead_at, id).
    public func deadLetters(namespace: String, state: String? = "Pending", limit: Int = 100, after cursor: (Date, UUID)? = nil)
        async throws -> [DeadLetter]
    {
        var letters: [DeadLetter] = []
        for try await columns in try await pool.execute(
            DeadLettersTable.List(namespace: namespace, state: state, limit: limit, after: cursor.map { (deadAt: $0.0, id: $0.1) }), logger: logger)
        {
            letters.append(try DeadLettersTable.letter(columns))
        }
        return letters
    }

    /// One dead letter.
    public func deadLetter(namespace: String, id: UUID) async throws -> DeadLetter {
        for try await columns in try await pool.execute(DeadLettersTable.Get(namespace: namespace, id: id), logger: logger) {
            return try DeadLettersTable.letter(columns)
        }
        throw Self.deadLetterNotFound(namespace: namespace, id: id)
    }

    private static func deadLetterNotFound(namespace: String, id: UUID) -> StoreError {
        StoreError(.deadLetterNotFound, "no dead letter \(id) in namespace \"\(namespace)\"")
    }

    /// Locks a pending dead letter's run and row, for an operator's transition.
    private func lockPendingDeadLetter(namespace: String, id: UUID, on connection: PostgresConnection) async throws
        -> (LockedRun, ActivityRow)
    {
        var runId: UUID?
        for try await columns in try await connection.execute(DeadLettersTable.Get(namespace: namespace, id: id), logger: logger) {
            runId = columns.2  // run_id
        }
        guard let runId else { throw Self.deadLetterNotFound(namespace: namespace, id: id) }
        let run = try await lockRun(runId, on: connection)
        var row: ActivityRow?
        for try await columns in try await connection.execute(DeadLettersTable.LockPending(id: id), logger: logger) where row == nil {
            row = try ActivityRow(columns)
        }
        guard let row else { throw StoreError(.deadLetterClosed, "dead letter \(id) was already handled") }
        guard run.status.isOpen else {
            throw StoreError(.workflowClosed, "the run of dead letter \(id) is already \(run.status.rawValue)")
        }
        return (run, row)
    }

    private func markHandled(_ id: UUID, state: DeadLetterState, identity: String?, at now: Date, on connection: PostgresConnection) async throws {
        try await connection.run(DeadLettersTable.MarkHandled(id: id, state: state, identity: identity, now: now), logger: logger)
    }

    /// Retries a dead-lettered activity with fresh attempts, optionally with new input.
    public func retryDeadLetter(namespace: String, id: UUID, input: Payload? = nil, identity: String? = nil, at now: Date) async throws {
        try await transaction { connection in
            var (run, row) = try await self.lockPendingDeadLetter(namespace: namespace, id: id, on: connection)
            func fromNow(_ timeout: Duration?) -> Date? { timeout.map { now.addingTimeInterval($0.seconds) } }
            // Queued afresh (attempt 1, no lease), keeping the last attempt's heartbeat details.
            try await connection.run(
                ActivityTasksTable.Insert(
                    runId: run.runId, activityId: row.activityId, namespace: run.namespace, workflowId: run.workflowId,
                    workflowType: run.workflowType, taskQueue: row.taskQueue, activityType: row.activityType,
                    input: try JSONColumn.encodeIfPresent(input ?? row.input), options: try JSONColumn.encode(row.options),
                    scheduledEventId: row.scheduledEventId, now: now, scheduleToStartDeadline: fromNow(row.options.scheduleToStartTimeout),
                    scheduleToCloseDeadline: fromNow(row.options.scheduleToCloseTimeout)), logger: self.logger)
            try await self.saveHeartbeatDetails(row.heartbeatDetails, runId: run.runId, activityId: row.activityId, on: connection)
            try await self.append(
                [
                    .activityTaskDeadLetterRetried(
                        .init(scheduledEventId: row.scheduledEventId, deadLetterId: id.uuidString.lowercased(), input: input, identity: identity))
                ], to: &run, at: now, on: connection)
            try await self.markHandled(id, state: .retried, identity: identity, at: now, on: connection)
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
            try await self.endByHand(row, of: &run, identity: identity, at: now, on: connection) { started in
                .activityTaskFailed(
                    .init(scheduledEventId: row.scheduledEventId, startedEventId: started, failure: failure, retryState: "NonRetryableFailure",
                        identity: identity))
            }
            try await self.markHandled(id, state: .failed, identity: identity, at: now, on: connection)
        }
    }

    /// Resolves a dead-lettered activity with a result given by hand.
    public func resolveDeadLetter(namespace: String, id: UUID, result: Payload?, identity: String? = nil, at now: Date) async throws {
        try await transaction { connection in
            var (run, row) = try await self.lockPendingDeadLetter(namespace: namespace, id: id, on: connection)
            try await self.endByHand(row, of: &run, identity: identity, at: now, on: connection) { started in
                .activityTaskCompleted(.init(scheduledEventId: row.scheduledEventId, startedEventId: started, result: result, identity: identity))
            }
            try await self.markHandled(id, state: .resolved, identity: identity, at: now, on: connection)
        }
    }

    /// Ends a dead-lettered activity as an operator said: a last `ActivityTaskStarted`, the
    /// outcome made from its event id, and a workflow task to see it.
    private func endByHand(
        _ row: ActivityRow, of run: inout LockedRun, identity: String?, at now: Date, on connection: PostgresConnection,
        outcome: (Int64) -> HistoryEvent.Attributes
    ) async throws {
        let started = try await append(
            [.activityTaskStarted(.init(scheduledEventId: row.scheduledEventId, attempt: row.attempt, identity: identity))], to: &run, at: now,
            on: connection)
        try await append([outcome(started[0].eventId)], to: &run, at: now, on: connection)
        try await scheduleWorkflowTask(for: &run, at: now, on: connection)
    }

    private func lastFailure(of id: UUID, on connection: PostgresConnection) async throws -> Failure {
        for try await text in try await connection.execute(DeadLettersTable.LastFailure(id: id), logger: logger) {
            if let failure = try JSONColumn.decode(Failure.self, from: text) { return failure }
        }
        return Failure(message: "dead-lettered", type: "DeadLetter")
    }
}
