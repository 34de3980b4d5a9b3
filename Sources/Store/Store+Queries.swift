import Foundation
import PostgresNIO
import Workflow

/// What a worker is asked: a query's answer, or whether an update's validator accepts it
/// (the `kind` column of `workflow_queries`).
public enum QueryKind: String, Sendable {
    case query = "Query"
    case validateUpdate = "ValidateUpdate"
}

/// A query waiting for a worker, as a worker claims it.
public struct PendingQuery: Sendable {
    public var id: UUID
    public var namespace: String
    public var workflowId: String
    public var runId: UUID
    public var workflowType: String
    public var taskQueue: String
    public var kind: QueryKind
    public var name: String
    public var args: Payload
}

/// What a worker answered to a query.
public enum QueryOutcome: Sendable, Equatable {
    /// The handler's result.
    case answered(Payload)
    /// The query failed: a ``QueryError`` code and its message.
    case failed(code: String, message: String)
}

/// A query recorded for a run, which the caller waits on.
public struct SubmittedQuery: Sendable {
    public var id: UUID
    /// The run the query was sent to.
    public var runId: UUID
    public var taskQueue: String
}

/// What a caller found when it read a query's row.
public struct QueryAnswer: Sendable {
    /// The outcome; nil when the caller gave up before a worker answered.
    public var outcome: QueryOutcome?
    /// Whether a worker had claimed the query.
    public var claimed: Bool
}

extension Store {
    /// Records a query for a workflow's run (the open one, else the latest, or `runId`) and wakes
    /// the workers of its task queue.
    ///
    /// - Parameters:
    ///   - id: the query's id, which the answer's notification carries: a caller that watches for
    ///     it before submitting misses no answer.
    ///   - timeout: how long a worker may still claim it.
    /// - Throws: `WorkflowNotFound` when no such run exists.
    public func submitQuery(
        id: UUID = UUID(), namespace: String, workflowId: String, runId: UUID?, kind: QueryKind = .query, name: String, args: Payload, timeout: Duration
    ) async throws -> SubmittedQuery {
        let insert = QueriesTable.Insert(
            id: id, namespace: namespace, workflowId: workflowId, runId: runId, kind: kind, name: name, args: try JSONColumn.encode(args), timeoutSeconds: timeout.seconds)
        for try await (id, run, queue, _) in try await pool.execute(insert, logger: logger) {
            return SubmittedQuery(id: id, runId: run, taskQueue: queue)
        }
        throw Self.workflowNotFound(namespace: namespace, workflowId: workflowId, runId: runId)
    }

    /// Claims up to `limit` waiting queries that a worker of `taskQueue` can answer.
    public func claimQueries(
        taskQueue: String, namespaces: [String], workflowTypes: [String], owner: String, limit: Int
    ) async throws -> [PendingQuery] {
        var claimed: [PendingQuery] = []
        let claim = QueriesTable.Claim(owner: owner, taskQueue: taskQueue, namespaces: namespaces, workflowTypes: workflowTypes, limit: Int64(limit))
        for try await (id, namespace, workflowId, runId, type, queue, kind, name, args) in try await pool.execute(claim, logger: logger) {
            claimed.append(
                PendingQuery(
                    id: id, namespace: namespace, workflowId: workflowId, runId: runId, workflowType: type, taskQueue: queue,
                    kind: QueryKind(rawValue: kind) ?? .query, name: name,
                    args: try JSONColumn.decode(Payload.self, from: args) ?? .null))
        }
        return claimed
    }

    /// Writes a claimed query's answer and notifies the caller waiting on it. A query whose
    /// caller gave up is gone, and its answer is dropped.
    public func answerQuery(id: UUID, _ outcome: QueryOutcome) async throws {
        var answer = QueriesTable.Answer(id: id)
        switch outcome {
        case .answered(let result): answer.result = try JSONColumn.encode(result)
        case .failed(let code, let message): (answer.errorCode, answer.errorMessage) = (code, message)
        }
        for try await _ in try await pool.execute(answer, logger: logger) {}
    }

    /// Reads and deletes a query's answer.
    ///
    /// - Parameter givingUp: delete the query even when it has no answer yet.
    /// - Returns: nil while the query waits for its answer (and the caller is not giving up).
    public func takeQueryAnswer(id: UUID, givingUp: Bool) async throws -> QueryAnswer? {
        for try await (answered, claimedBy, result, code, message) in try await pool.execute(
            QueriesTable.Take(id: id, givingUp: givingUp), logger: logger)
        {
            guard answered else { return QueryAnswer(outcome: nil, claimed: claimedBy != nil) }
            if let code {
                return QueryAnswer(outcome: .failed(code: code, message: message ?? ""), claimed: true)
            }
            return QueryAnswer(outcome: .answered(try JSONColumn.decode(Payload.self, from: result) ?? .null), claimed: true)
        }
        return givingUp ? QueryAnswer(outcome: nil, claimed: false) : nil
    }
}
