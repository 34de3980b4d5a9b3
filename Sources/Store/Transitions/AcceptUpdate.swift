import Foundation
import PostgresNIO
import Workflow

/// An update as the store knows it.
public struct UpdateRecord: Sendable, Equatable {
    public var name: String
    /// The id of its `WorkflowExecutionUpdateAccepted` event.
    public var acceptedEventId: Int64
    /// Whether its handler has ended; then exactly one of ``result`` and ``failure`` is set
    /// (a handler that returned nothing has a null result).
    public var completed: Bool
    public var result: Payload?
    public var failure: Failure?

    public init(name: String, acceptedEventId: Int64, completed: Bool, result: Payload? = nil, failure: Failure? = nil) {
        self.name = name
        self.acceptedEventId = acceptedEventId
        self.completed = completed
        self.result = result
        self.failure = failure
    }
}

/// What an attempt to accept an update found.
public enum UpdateAcceptance: Sendable, Equatable {
    /// Accepted now: `WorkflowExecutionUpdateAccepted` is this event.
    case accepted(acceptedEventId: Int64)
    /// An update with this id was accepted before; it is not accepted again.
    case existing(UpdateRecord)
    /// The history moved on since the validator ran: validate again.
    case stale
}

extension Store {
    /// An update of a run, by its id; nil when none was accepted.
    public func update(runId: UUID, updateId: String) async throws -> UpdateRecord? {
        try await pool.withConnection { connection in try await self.update(runId: runId, updateId: updateId, on: connection) }
    }

    private func update(runId: UUID, updateId: String, on connection: PostgresConnection) async throws -> UpdateRecord? {
        for try await (name, accepted, completed, result, failure) in try await connection.execute(
            UpdatesTable.Find(runId: runId, updateId: updateId), logger: logger)
        {
            return UpdateRecord(
                name: name, acceptedEventId: accepted, completed: completed, result: try JSONColumn.decode(Payload.self, from: result),
                failure: try JSONColumn.decode(Failure.self, from: failure))
        }
        return nil
    }

    /// Accepts a validated update in one transaction: `WorkflowExecutionUpdateAccepted`, a
    /// workflow task to run its handler, and the update's row, but only while the run's history
    /// still ends where the validator saw it (`expectedNextEventId`).
    ///
    /// - Throws: ``StoreError`` `WorkflowExecutionClosed` for a closed run, `WorkflowNotFound`.
    public func acceptUpdate(
        runId: UUID, updateId: String, name: String, args: Payload, identity: String?, expectedNextEventId: Int64, at now: Date
    ) async throws -> UpdateAcceptance {
        try await transaction { connection in
            var run = try await self.lockRun(runId, on: connection)
            if let existing = try await self.update(runId: runId, updateId: updateId, on: connection) { return .existing(existing) }
            guard run.status.isOpen else {
                throw StoreError(.workflowClosed, "cannot update workflow \"\(run.workflowId)\": run \(run.runId) is already \(run.status.rawValue)")
            }
            guard run.nextEventId == expectedNextEventId else { return .stale }
            let request = HistoryEvent.UpdateRequest(meta: .init(updateId: updateId, identity: identity), input: .init(name: name, args: args))
            let accepted = try await self.append(
                [
                    .workflowExecutionUpdateAccepted(
                        .init(
                            protocolInstanceId: updateId, acceptedRequestMessageId: "\(updateId)/request",
                            acceptedRequestSequencingEventId: expectedNextEventId - 1, acceptedRequest: request))
                ], to: &run, at: now, on: connection)
            let acceptedEventId = accepted[0].eventId
            try await connection.run(UpdatesTable.Insert(runId: runId, updateId: updateId, name: name, acceptedEventId: acceptedEventId), logger: self.logger)
            try await self.scheduleWorkflowTask(for: &run, at: now, on: connection)
            return .accepted(acceptedEventId: acceptedEventId)
        }
    }

    /// Records the outcomes of the updates whose `WorkflowExecutionUpdateCompleted` a workflow
    /// task wrote, and wakes their callers.
    func completeUpdates(_ events: [HistoryEvent], runId: UUID, on connection: PostgresConnection) async throws {
        for event in events {
            guard case .workflowExecutionUpdateCompleted(let completed) = event.attributes else { continue }
            let complete = UpdatesTable.Complete(
                runId: runId, updateId: completed.meta.updateId,
                result: completed.outcome.failure == nil ? try JSONColumn.encode(completed.outcome.success ?? .null) : nil,
                failure: try JSONColumn.encodeIfPresent(completed.outcome.failure))
            for try await _ in try await connection.execute(complete, logger: logger) {}
        }
    }
}
