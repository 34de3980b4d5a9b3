import Foundation
import Logging
import Store
import Workflow

/// Queries: the worker claims the queries of its queue's runs and answers each from the cached
/// run, or from a replay of the run's history when it is not cached (or has closed).
extension Worker {
    func answerQueries() async {
        // A worker of activities only runs no workflow code, so it answers no query.
        guard !workflowTypes.isEmpty else { return }
        await pollLoop(
            slots: configuration.maxConcurrentQueries, wakeup: queryWakeup,
            poll: { limit in
                try await self.store.claimQueries(
                    taskQueue: self.configuration.taskQueue, namespaces: self.configuration.namespaces, workflowTypes: self.workflowTypes,
                    owner: self.configuration.identity, limit: limit)
            },
            handle: { query in await self.answer(query) })
    }

    /// Rings the query poller for a `Channel.queries` notification of this worker's queue (or for
    /// nil, when notifications may have been missed).
    func queryNotified(_ payload: String?) {
        guard let payload else { return queryWakeup.ring() }
        let served = configuration.namespaces.contains { Channel.queryTarget(namespace: $0, queue: configuration.taskQueue) == payload }
        if served { queryWakeup.ring() }
    }

    private func answer(_ query: PendingQuery) async {
        let logger = runLogger(namespace: query.namespace, workflowId: query.workflowId, runId: "\(query.runId)")
        let outcome: QueryOutcome
        do {
            outcome = .answered(
                try await withRun(of: query, logger: logger) { run, nextEventId in
                    switch query.kind {
                    case .query:
                        return try run.query(query.name, input: query.args)
                    case .validateUpdate:
                        // Accepted against this history: the acceptance holds only if nothing was written since.
                        try run.validateUpdate(query.name, input: query.args)
                        return .object(["nextEventId": .int(nextEventId)])
                    }
                })
        } catch let error as QueryError {
            outcome = .failed(code: error.code.rawValue, message: error.message)
        } catch {
            logger.warning("Query could not be answered", metadata: ["query": "\(query.name)", "error": "\(String(reflecting: error))"])
            outcome = .failed(
                code: QueryError.Code.workerFailed.rawValue,
                message: "the worker could not rebuild the state of run \(query.runId.uuidString.lowercased()): \(error)")
        }
        do {
            try await abandoning(after: configuration.databaseCallTimeout) { try await self.store.answerQuery(id: query.id, outcome) }
        } catch {
            logger.warning("Query answer not recorded", metadata: ["query": "\(query.name)", "error": "\(String(reflecting: error))"])
        }
    }

    /// The cached run answers at once; otherwise a fresh run replays the history's completed
    /// workflow tasks and answers, and is dropped. `body` gets the run and the history's next
    /// event id as the worker knows it.
    private func withRun(
        of query: PendingQuery, logger: Logger, _ body: (WorkflowRun, Int64) throws -> Payload
    ) async throws -> Payload {
        if let entry = cache.take(query.runId) {
            defer { cache.restore(query.runId, entry) }
            counters.withLock { $0.queriesFromCache += 1 }
            return try body(entry.run, entry.nextEventId)
        }
        let events = try await abandoning(after: configuration.databaseCallTimeout) { try await self.store.history(runId: query.runId) }
        let info = WorkflowInfo(
            namespace: query.namespace, workflowId: query.workflowId, runId: query.runId.uuidString.lowercased(),
            workflowType: query.workflowType, taskQueue: query.taskQueue)
        let run = WorkflowRun(workflow: try workflows.workflow(named: query.workflowType), info: info, logger: logger)
        defer { run.evict() }
        counters.withLock { $0.queriesReplayed += 1 }
        let completed = Self.completedTasks(of: events)
        // Before its first workflow task the code has registered no handler yet (an update sent
        // with its start, say): the caller asks again.
        guard completed.contains(where: { $0.eventType == .workflowTaskCompleted }) else {
            throw QueryError(.notStarted, "run \(query.runId.uuidString.lowercased()) has not completed its first workflow task yet")
        }
        _ = try activateWatched(run, with: completed, logger: logger)
        return try body(run, (events.last?.eventId ?? 0) + 1)
    }

    /// The history up to the workflow task in progress, if one is: replaying it would run that
    /// task's code live, and its state is not yet the run's.
    static func completedTasks(of events: [HistoryEvent]) -> [HistoryEvent] {
        guard let started = events.lastIndex(where: { $0.eventType == .workflowTaskStarted }) else { return events }
        let ended = events[started...].contains { $0.eventType == .workflowTaskCompleted || $0.eventType == .workflowTaskFailed }
        return ended ? events : Array(events[..<started])
    }
}
