import Foundation
import Synchronization
import Workflow

/// The runs a worker keeps in memory between workflow tasks ("sticky execution"), bounded by an
/// LRU. A run is taken out while a task runs on it and put back after; an evicted run unwinds.
final class RunCache: Sendable {
    private struct State {
        var runs: [UUID: WorkflowRun] = [:]
        var order: [UUID] = []
    }

    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) { self.capacity = max(0, capacity) }

    /// Removes and returns a cached run.
    func take(_ runId: UUID) -> WorkflowRun? {
        state.withLock { state in
            guard let run = state.runs.removeValue(forKey: runId) else { return nil }
            state.order.removeAll { $0 == runId }
            return run
        }
    }

    /// Caches a run as the most recently used, evicting the least recently used beyond capacity.
    func put(_ runId: UUID, _ run: WorkflowRun) {
        let evicted = state.withLock { state -> [WorkflowRun] in
            state.runs[runId] = run
            state.order.removeAll { $0 == runId }
            state.order.append(runId)
            var evicted: [WorkflowRun] = []
            while state.order.count > capacity {
                let oldest = state.order.removeFirst()
                if let run = state.runs.removeValue(forKey: oldest) { evicted.append(run) }
            }
            return evicted
        }
        for run in evicted { run.evict() }
    }

    /// Evicts every run, unwinding their tasks.
    func evictAll() {
        let runs = state.withLock { state in
            defer { state = State() }
            return Array(state.runs.values)
        }
        for run in runs { run.evict() }
    }

    var count: Int { state.withLock { $0.runs.count } }
}
