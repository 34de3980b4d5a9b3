import Synchronization

/// The operation did not finish in time and was abandoned.
public struct AbandonedOperationError: Error, CustomStringConvertible, Sendable {
    public var timeout: Duration
    package init(timeout: Duration) { self.timeout = timeout }
    public var description: String { "abandoned after \(timeout): the database did not answer" }
}

/// How long a database call may take before it is abandoned, unless configured otherwise: the
/// worker's, the timer service's and the reaper's `databaseCallTimeout`, and a batched start's.
public let defaultDatabaseCallTimeout: Duration = .seconds(30)

/// Runs `operation` in a task of its own and returns its result, unless `timeout` passes or the
/// caller is canceled first: then the operation is canceled and left to end on its own.
///
/// For calls into the connection pool that must not hold up the caller forever: PostgresNIO can
/// (rarely) leave a query hanging, deaf to cancellation, when Postgres drops its connections
/// mid-query. Use it only where a late completion of the abandoned call is harmless.
package func abandoning<T: Sendable>(after timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let outcome = AbandonableOutcome<T>()
    let work = Mutex<Task<Void, Never>?>(nil)
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            guard outcome.wait(with: continuation) else { return }
            // The first of the operation and its deadline answers the caller. The task ends when
            // the operation does, which for a hung one is never: that is the abandonment.
            let deadline = CallDeadlines.shared.add(after: timeout) {
                outcome.finish(.failure(AbandonedOperationError(timeout: timeout)))
            }
            let task = Task {
                defer { CallDeadlines.shared.remove(deadline) }
                do { outcome.finish(.success(try await operation())) } catch { outcome.finish(.failure(error)) }
            }
            work.withLock { $0 = task }
        }
    } onCancel: {
        outcome.finish(.failure(CancellationError()))
        work.withLock { $0 }?.cancel()
    }
}

/// The deadlines of the abandonable calls in flight, swept by one task while there are any (to
/// within a second). A timer per call, a sleeping child task in a group, cost a worker 1.5 KB of
/// resident memory per cached run and CPU on every step.
final class CallDeadlines: Sendable {
    static let shared = CallDeadlines()

    private struct Pending {
        var deadline: ContinuousClock.Instant
        var expire: @Sendable () -> Void
    }

    private struct State {
        var nextId: UInt64 = 0
        var pending: [UInt64: Pending] = [:]
        var sweeping = false
    }

    private let state = Mutex(State())

    /// Registers a deadline; `expire` runs once it passes, unless the call is removed first.
    func add(after timeout: Duration, expire: @escaping @Sendable () -> Void) -> UInt64 {
        let deadline = ContinuousClock.now + timeout
        let (id, startSweeper) = state.withLock { state -> (UInt64, Bool) in
            state.nextId += 1
            state.pending[state.nextId] = Pending(deadline: deadline, expire: expire)
            defer { state.sweeping = true }
            return (state.nextId, !state.sweeping)
        }
        if startSweeper { Task.detached { await self.sweep() } }
        return id
    }

    func remove(_ id: UInt64) {
        state.withLock { _ = $0.pending.removeValue(forKey: id) }
    }

    /// Expires what is due, then sleeps until the next deadline, at most a second; ends when
    /// nothing is pending (the next `add` starts it again).
    private func sweep() async {
        while true {
            let now = ContinuousClock.now
            let (expired, next) = state.withLock { state -> ([Pending], ContinuousClock.Instant?) in
                let due = state.pending.filter { $0.value.deadline <= now }
                for id in due.keys { state.pending.removeValue(forKey: id) }
                let next = state.pending.values.map(\.deadline).min()
                if next == nil { state.sweeping = false }
                return (Array(due.values), next)
            }
            for call in expired { call.expire() }
            guard let next else { return }
            try? await Task.sleep(until: min(next, now + .seconds(1)), clock: .continuous)
        }
    }
}

/// Hands the first outcome to the waiting continuation, exactly once.
private final class AbandonableOutcome<T: Sendable>: Sendable {
    private enum State {
        case idle
        case waiting(CheckedContinuation<T, any Error>)
        case finished(Result<T, any Error>?)
    }

    private let state = Mutex<State>(.idle)

    /// Registers the continuation. Returns false when an outcome (a cancellation) came first and
    /// the continuation was resumed with it.
    func wait(with continuation: CheckedContinuation<T, any Error>) -> Bool {
        let early = state.withLock { state -> Result<T, any Error>? in
            switch state {
            case .idle:
                state = .waiting(continuation)
                return nil
            case .finished(let result):
                state = .finished(nil)
                return result ?? .failure(CancellationError())
            case .waiting:
                preconditionFailure("one continuation only")
            }
        }
        guard let early else { return true }
        continuation.resume(with: early)
        return false
    }

    func finish(_ result: Result<T, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<T, any Error>? in
            switch state {
            case .idle:
                state = .finished(result)
                return nil
            case .waiting(let continuation):
                state = .finished(nil)
                return continuation
            case .finished:
                return nil
            }
        }
        waiter?.resume(with: result)
    }
}
