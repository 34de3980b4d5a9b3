import Foundation
import Logging
import Store

/// Sleeps until `deadline` on the engine clock, or until the wakeup rings, or `fallback` of real
/// time passes, whichever is first.
func waitForWork(clock: any EngineClock, until deadline: Date?, wakeup: Wakeup, fallback: Duration) async {
    await withTaskGroup(of: Void.self) { group in
        group.addTask { await wakeup.wait(timeout: fallback) }
        if let deadline { group.addTask { try? await clock.sleep(until: deadline) } }
        await group.next()
        group.cancelAll()
    }
}

/// What one round of an engine loop asks for next.
enum RoundOutcome {
    /// Run the next round at once: this one stopped at its batch size.
    case runAgain
    /// Sleep until this time (nil: until a wakeup or the fallback).
    case waitUntil(Date?)
}

/// The loop of the engine's services (timers, schedules, the lease reaper): runs `round` until the
/// task is canceled, logs a round that fails and carries on, and between rounds sleeps as
/// ``waitForWork(clock:until:wakeup:fallback:)`` does. With a `listener`, its NOTIFYs ring `wakeup`.
func repeatRounds(
    of service: String, clock: any EngineClock, wakeup: Wakeup, fallback: Duration, listener: NotificationListener? = nil, logger: Logger,
    _ round: () async throws -> RoundOutcome
) async {
    await withDiscardingTaskGroup { group in
        if let listener { group.addTask { await listener.run() } }
        while !Task.isCancelled {
            var next: Date?
            do {
                switch try await round() {
                case .runAgain: continue
                case .waitUntil(let date): next = date
                }
            } catch {
                if Task.isCancelled { break }
                logger.warning("\(service) round failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            await waitForWork(clock: clock, until: next, wakeup: wakeup, fallback: fallback)
        }
        group.cancelAll()
    }
}
