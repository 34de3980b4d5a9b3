import Synchronization

/// Counts work in progress across the engine's loops, so the test environment knows when the
/// engine is idle and may skip its virtual clock ahead.
public final class WorkTracker: Sendable {
    private let busy = Atomic<Int>(0)

    public init() {}

    func begin() { busy.add(1, ordering: .sequentiallyConsistent) }
    func end() { busy.subtract(1, ordering: .sequentiallyConsistent) }

    /// Begins one more piece of work unless `limit` are in progress.
    func tryBegin(limit: Int) -> Bool {
        var current = busy.load(ordering: .sequentiallyConsistent)
        while current < limit {
            let (exchanged, original) = busy.compareExchange(
                expected: current, desired: current + 1, ordering: .sequentiallyConsistent)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// How much work is in progress.
    var count: Int { busy.load(ordering: .sequentiallyConsistent) }

    /// Whether no loop is polling, running a task or firing timers right now.
    public var isIdle: Bool { busy.load(ordering: .sequentiallyConsistent) == 0 }

    /// Counts `body` as work in progress while it runs (the engine services count their rounds too).
    package func track<T>(_ body: () async throws -> T) async rethrows -> T {
        begin()
        defer { end() }
        return try await body()
    }
}
