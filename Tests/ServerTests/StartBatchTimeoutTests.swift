import Foundation
import Logging
import RepriseTesting
import Store
import Testing
import Workflow

/// A batch of starts caught on a connection that never answers (PostgresNIO never answers a
/// statement written to a connection Postgres closed under it; a black hole looks the same) is
/// abandoned after `startBatchTimeout`, not held for the 30 s of every other database call.
/// scripts/chaos found it: at 200 starts/s over a Postgres restart, one hung batch held every start
/// for 30 s.
@Suite("Start batch timeout", .timeLimit(.minutes(2)))
struct StartBatchTimeoutTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func aStartOnAConnectionThatNeverAnswersIsRefusedWithinSeconds() async throws {
        try await TestDatabase.with(logger: Self.logger) { database in
            let direct = URLComponents(string: database.url)!
            let proxy = try await TCPProxy.start(to: direct.host!, port: direct.port ?? 5432)
            var proxied = direct
            proxied.port = proxy.port
            let store = try Store(url: proxied.string!, maximumConnections: 2, logger: Self.logger)
            // Unstructured: a hung statement must not hold up the test's end.
            let running = Task { await store.run() }
            defer { running.cancel() }
            _ = try await store.migrate()
            let before = try await store.startWorkflow(Self.start("before"), at: Date())
            #expect(before.started)

            proxy.blackhole()
            let (outcome, elapsed) = await Self.timed { try await store.startWorkflow(Self.start("during"), at: Date()) }
            proxy.restore()
            switch outcome {
            case .success: Issue.record("a start went through a connection that answers nothing")
            case .failure(let error): #expect(Store.isUnavailable(error), "\(error)")
            }
            // The batch's own timeout is 15 s; every other call's is 30 s.
            #expect(elapsed < .seconds(25), "the start was answered after \(elapsed)")
            await proxy.close()
        }
    }

    static func start(_ id: String) -> StartWorkflowRequest {
        StartWorkflowRequest(workflowId: id, workflowType: "NoWorkerRunsThis", taskQueue: "main", input: nil)
    }

    static func timed<T: Sendable>(_ body: () async throws -> T) async -> (Result<T, any Error>, Duration) {
        let started = ContinuousClock.now
        do {
            let value = try await body()
            return (.success(value), ContinuousClock.now - started)
        } catch {
            return (.failure(error), ContinuousClock.now - started)
        }
    }
}
