import Synchronization

/// The operation did not finish in time and was abandoned.
public struct AbandonedOperationError: Error, CustomStringConvertible {
    public var timeout: Duration
    public var description: String { "abandoned after \(timeout): the database did not answer" }
}

/// Runs `operation` in a task of its own and returns its result, unless `timeout` passes or the
/// caller is canceled first: then the operation is canceled and left to end on its own.
///
/// For calls into the connection pool that must not hold up the caller forever: PostgresNIO can
/// (rarely) leave a query hanging, deaf to cancellation, when Postgres drops its connections
/// mid-query. Use it only where a late completion of the abandoned call is harmless.
func abandoning<T: Sendable>(after timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let outcome = AbandonableOutcome<T>()
    let work = Mutex<Task<Void, Never>?>(nil)
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            guard outcome.wait(with: continuation) else { return }
            // The operation races a timer; the first to finish answers the caller. The task ends
            // when the operation does, which for a hung one is never: that is the abandonment.
            let task = Task {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        do { outcome.finish(.success(try await operation())) } catch { outcome.finish(.failure(error)) }
                    }
                    group.addTask {
                        guard (try? await Task.sleep(for: timeout)) != nil else { return }
                        outcome.finish(.failure(AbandonedOperationError(timeout: timeout)))
                    }
                    await group.next()
                    group.cancelAll()
                }
            }
            work.withLock { $0 = task }
        }
    } onCancel: {
        outcome.finish(.failure(CancellationError()))
        work.withLock { $0 }?.cancel()
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
