import Foundation
import Synchronization
import Workflow

/// The runs a worker keeps in memory between workflow tasks ("sticky execution"), bounded by an
/// LRU. A run is taken out while a task runs on it and put back after; an evicted run unwinds.
final class RunCache: Sendable {
    /// A cached run and the events written after the last one it was fed (its last workflow
    /// task's completion), which together reach the end of the run's history.
    struct Entry: Sendable {
        var run: WorkflowRun
        var unseen: [HistoryEvent]
        /// The run's stored history size as the worker last learned it (``WorkflowInfo/historySize``).
        var historyBytes: Int64 = 0

        /// The history's next event id, as far as this worker knows.
        var nextEventId: Int64 { (unseen.last?.eventId ?? run.lastEventId) + 1 }
    }

    private struct State {
        var runs: [UUID: Entry] = [:]
        var order: [UUID] = []
    }

    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) { self.capacity = max(0, capacity) }

    /// Removes and returns a cached run.
    func take(_ runId: UUID) -> Entry? {
        state.withLock { state in
            guard let run = state.runs.removeValue(forKey: runId) else { return nil }
            state.order.removeAll { $0 == runId }
            return run
        }
    }

    /// Caches a run as the most recently used, evicting the least recently used beyond capacity.
    ///
    /// - Parameters:
    ///   - written: events just written for the run; those it has not been fed are kept.
    ///   - historyBytes: the run's stored history size as the write read it.
    func put(_ runId: UUID, _ run: WorkflowRun, written: [HistoryEvent], historyBytes: Int64 = 0) {
        let entry = Entry(run: run, unseen: written.filter { $0.eventId > run.lastEventId }, historyBytes: historyBytes)
        let evicted = state.withLock { state -> [WorkflowRun] in
            var evicted: [WorkflowRun] = []
            // A run replayed while a query held the cached one replaces it; the stale one unwinds.
            if let replaced = state.runs[runId]?.run, replaced !== run { evicted.append(replaced) }
            state.runs[runId] = entry
            state.order.removeAll { $0 == runId }
            state.order.append(runId)
            while state.order.count > capacity {
                let oldest = state.order.removeFirst()
                if let entry = state.runs.removeValue(forKey: oldest) { evicted.append(entry.run) }
            }
            return evicted
        }
        for run in evicted { run.evict() }
    }

    /// Puts back a run taken out for a query, unless a workflow task cached a newer one of the run
    /// meanwhile: then the one taken out is stale, and is evicted.
    func restore(_ runId: UUID, _ entry: Entry) {
        let stale = state.withLock { state -> Bool in
            guard state.runs[runId] == nil else { return true }
            state.runs[runId] = entry
            state.order.append(runId)
            return false
        }
        if stale { entry.run.evict() }
    }

    /// Evicts every run, unwinding their tasks.
    func evictAll() {
        let runs = state.withLock { state in
            defer { state = State() }
            return state.runs.values.map(\.run)
        }
        for run in runs { run.evict() }
    }

    var count: Int { state.withLock { $0.runs.count } }
}
