import Synchronization

/// A doorbell for a polling loop: `ring()` wakes the waiter, or the next `wait` returns at once.
/// LISTEN/NOTIFY rings it; when no notification comes, `wait` returns after its timeout (the
/// slow poll that keeps the engine working without notifications).
public final class Wakeup: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes the waiter, or marks the bell so the next wait returns at once. A ring is consumed by
    /// exactly one wake-up, so none is lost between two waits.
    public func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Waits for a ring, the timeout or cancellation, whichever comes first.
    public func wait(timeout: Duration) async {
        if state.withLock({ state in defer { state.rung = false }; return state.rung }) { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.waitForRing() }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForRing() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.rung {
                        state.rung = false
                        return true
                    }
                    if Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}

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

    func track<T>(_ body: () async throws -> T) async rethrows -> T {
        begin()
        defer { end() }
        return try await body()
    }
}
