import Foundation
import Store
import Workflow

extension TestEnvironment {
    /// Sends a declared signal.
    public func signal<Input>(_ workflowId: String, _ signal: SignalDefinition<Input>, _ input: Input) async throws {
        try await self.signal(workflowId, signal.name, input)
    }

    /// Asks a run a declared query, as `POST …/queries/{name}` does: a worker of the run's queue
    /// answers, from its cache or a replay.
    ///
    /// - Throws: ``QueryError`` when the query failed (an unknown name, a handler that threw);
    ///   ``TestEnvironmentError`` when no worker answered within `timeout`.
    public func query<Input, Output>(
        _ workflowId: String, _ query: QueryDefinition<Input, Output>, _ input: Input, runId: UUID? = nil,
        timeout: Duration = TestEnvironment.defaultWait
    ) async throws -> Output {
        try await ask(.query, workflowId, query.name, try Payload(encoding: input), runId: runId, timeout: timeout).decode(as: Output.self)
    }

    /// Sends a run a declared update, as `POST …/updates/{name}` does: validated by a worker,
    /// accepted while the history has not moved, and waited for until its handler ends.
    ///
    /// - Returns: the handler's result.
    /// - Throws: ``QueryError`` with code ``QueryError/Code/rejected`` when the validator rejected
    ///   it; ``UpdateFailure`` when the handler threw; ``TestEnvironmentError`` on a timeout.
    public func update<Input, Output>(
        _ workflowId: String, _ update: UpdateDefinition<Input, Output>, _ input: Input, updateId: String = UUID().uuidString,
        timeout: Duration = TestEnvironment.defaultWait
    ) async throws -> Output {
        let args = try Payload(encoding: input)
        let runId = try await describe(workflowId).runId
        let deadline = ContinuousClock.now + timeout
        var record = try await store.update(runId: runId, updateId: updateId)
        while record == nil {
            let validated = try await ask(.validateUpdate, workflowId, update.name, args, runId: runId, timeout: timeout)
            guard case .int(let next)? = validated["nextEventId"] else { throw TestEnvironmentError(message: "no nextEventId in \(validated)") }
            switch try await store.acceptUpdate(
                runId: runId, updateId: updateId, name: update.name, args: args, identity: "test", expectedNextEventId: next, at: clock.now)
            {
            case .stale: try await Task.sleep(for: .milliseconds(10))
            case .existing(let existing): record = existing
            case .accepted(let acceptedEventId): record = UpdateRecord(name: update.name, acceptedEventId: acceptedEventId, completed: false)
            }
        }
        while record?.completed != true {
            guard ContinuousClock.now < deadline else {
                throw TestEnvironmentError(message: "update \(update.name) of \(workflowId) did not complete within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(5))
            record = try await store.update(runId: runId, updateId: updateId)
        }
        if let failure = record?.failure { throw UpdateFailure(failure: failure) }
        return try (record?.result ?? .null).decode(as: Output.self)
    }

    /// Asks a worker of the run's queue, and polls for its answer.
    private func ask(_ kind: QueryKind, _ workflowId: String, _ name: String, _ args: Payload, runId: UUID?, timeout: Duration) async throws
        -> Payload
    {
        let deadline = ContinuousClock.now + timeout
        while true {
            let submitted = try await store.submitQuery(
                namespace: namespace, workflowId: workflowId, runId: runId, kind: kind, name: name, args: args, timeout: timeout)
            var answer: QueryAnswer?
            while answer == nil && ContinuousClock.now < deadline {
                answer = try await store.takeQueryAnswer(id: submitted.id, givingUp: false)
                if answer == nil { try await Task.sleep(for: .milliseconds(5)) }
            }
            if answer == nil { answer = try await store.takeQueryAnswer(id: submitted.id, givingUp: true) }
            switch answer?.outcome {
            case .answered(let result):
                return result
            case .failed(let code, _) where code == QueryError.Code.notStarted.rawValue && ContinuousClock.now < deadline:
                try await Task.sleep(for: .milliseconds(10))
            case .failed(let code, let message):
                throw QueryError(.init(code), message)
            case nil:
                throw TestEnvironmentError(message: "no worker answered \(kind.rawValue) \(name) of \(workflowId) within \(timeout)")
            }
        }
    }
}

/// An update whose handler threw: its recorded failure.
public struct UpdateFailure: Error, CustomStringConvertible {
    public var failure: Failure
    public var description: String { "\(failure.type): \(failure.message)" }
}
