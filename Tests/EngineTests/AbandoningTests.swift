import Foundation
import Synchronization
import Testing

@testable import Store

/// A pool call that hangs deaf to cancellation must not hold up a poll loop or a shutdown.
@Suite("Abandoning a hung call")
struct AbandoningTests {
    /// Never returns, and ignores cancellation, like the hung PostgresNIO query it stands for.
    private static func hang() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            hungCalls.withLock { $0.append(continuation) }  // Kept, never resumed.
        }
    }

    private static let hungCalls = Mutex<[UnsafeContinuation<Void, Never>]>([])

    @Test func aHungCallIsAbandonedAfterItsTimeout() async throws {
        let started = ContinuousClock.now
        await #expect(throws: AbandonedOperationError.self) {
            try await abandoning(after: .milliseconds(100)) { await Self.hang() }
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func cancelingTheCallerReturnsAtOnceFromAHungCall() async throws {
        let caller = Task { try await abandoning(after: .seconds(3600)) { await Self.hang() } }
        try await Task.sleep(for: .milliseconds(50))
        caller.cancel()
        let result = await caller.result
        #expect(throws: CancellationError.self) { try result.get() }
    }

    @Test func aQuickCallReturnsItsValue() async throws {
        #expect(try await abandoning(after: .seconds(10)) { 42 } == 42)
    }
}
