import Foundation
import Store
import Synchronization

/// A clock that moves only when told to. The test environment advances it to the next due timer,
/// retry or deadline whenever the engine is idle, so a three-day sleep completes in milliseconds.
public final class VirtualClock: EngineClock {
    private struct Sleeper {
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [UUID: Sleeper] = [:]
    }

    private let state: Mutex<State>

    /// Starts at `start`, by default the current wall-clock time rounded to the millisecond.
    public init(start: Date = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded() / 1000)) {
        state = Mutex(State(now: start))
    }

    public var now: Date { state.withLock { $0.now } }

    /// Moves the clock forward to `date` (never backward) and wakes the sleepers now due.
    public func advance(to date: Date) {
        let due = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard date > state.now else { return [] }
            state.now = date
            let due = state.sleepers.filter { $0.value.deadline <= date }
            for key in due.keys { state.sleepers.removeValue(forKey: key) }
            return due.values.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    /// Moves the clock forward by `duration`.
    public func advance(by duration: Duration) {
        advance(to: now.addingTimeInterval(duration.seconds))
    }

    public func sleep(until deadline: Date) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Checked under the lock that onCancel takes: a cancellation that came before this
                // sleeper was registered would otherwise be lost, and the sleep would never end.
                enum Verdict { case wait, due, canceled }
                let verdict = state.withLock { state -> Verdict in
                    if Task.isCancelled { return .canceled }
                    if deadline <= state.now { return .due }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return .wait
                }
                switch verdict {
                case .wait: break
                case .due: continuation.resume()
                case .canceled: continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }
}
