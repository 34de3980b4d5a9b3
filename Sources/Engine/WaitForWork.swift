import Foundation
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
