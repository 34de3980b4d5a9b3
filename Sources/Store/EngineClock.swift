import Foundation
import Workflow

/// The engine's notion of time. Timers, leases, retries and deadlines all read it, so a test can
/// swap in a virtual clock and let `sleep(for: .days(3))` complete at once.
public protocol EngineClock: Sendable {
    /// The current time.
    var now: Date { get }
    /// Returns once `deadline` has passed, or throws `CancellationError` when the task is canceled.
    func sleep(until deadline: Date) async throws
}

extension EngineClock {
    /// Sleeps from ``now`` to `deadline` on the process's own timer: a real clock's default.
    public func sleep(until deadline: Date) async throws {
        let interval = deadline.timeIntervalSince(now)
        if interval > 0 { try await Task.sleep(for: .seconds(fractional: interval)) }
    }
}

/// Wall-clock time.
public struct SystemClock: EngineClock {
    public init() {}
    public var now: Date { Date() }
}
