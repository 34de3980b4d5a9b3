import Foundation
import Logging
import PostgresNIO
import RepriseTesting
import Store
import Subprocess
import Testing
import TestSupport
import Workflow

/// A worker whose clock runs 90 s fast (Debian's `faketime`) keeps time by the database's clock: it
/// takes no lease early, and works normally once a task is really due.
@Suite("Clock skew")
struct ClockSkewTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func aWorkerWhoseClockRunsFastTakesNoLeaseEarly() async throws {
        // libfaketime's multi-threaded build, preloaded into the worker itself (the `faketime`
        // wrapper would stand between the test's SIGTERM and the worker). Only the wall clock is
        // skewed, as on a machine whose clock is wrong: with the monotonic clock faked too,
        // PostgresNIO's pool connections never finished connecting.
        let library = try #require(
            ["/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1", "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1"]
                .first { FileManager.default.fileExists(atPath: $0) },
            "libfaketime is missing: scripts/install-deps.sh installs Debian's faketime")
        try await TestDatabase.with(logger: Self.logger) { database in
            #expect(try await CLI(port: 0, token: nil).run(["migrate", "--database-url", database.url], client: false).code == 0)
            let store = try Store(url: database.url, maximumConnections: 2, logger: Self.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.run() }
                defer { group.cancelAll() }
                let started = try await store.startWorkflow(
                    StartWorkflowRequest(
                        workflowId: "skew", workflowType: "CardCheckout", taskQueue: "main",
                        input: .object(["orderId": .string("skew"), "card": .string("4242424242424242"), "amountCents": .int(7)])),
                    at: Date())
                // Another worker holds the first workflow task for 60 s, on the true clock.
                let held = try await store.pollWorkflowTasks(taskQueue: "main", workflowTypes: ["CardCheckout"], owner: "other-worker", limit: 1, leaseDuration: .seconds(60), at: Date())
                #expect(held.count == 1)

                // Through `sh -c exec` (the same pid): spawned straight from the test with the library
                // preloaded, the worker never took the task once it was due (cause not found).
                let result = try await Subprocess.run(
                    .path("/bin/sh"), arguments: ["-c", #"exec "$0" worker --database-url "$1""#, CLI.binary, database.url],
                    environment: .inherit.updating(["LOG_LEVEL": "critical", "LD_PRELOAD": library, "FAKETIME": "+90s", "FAKETIME_DONT_FAKE_MONOTONIC": "1"]), input: .none,
                    output: .discarded, error: .discarded
                ) { execution in
                    defer { try? execution.send(signal: .terminate) }
                    // The skewed worker polls at once and every 2 s at the latest.
                    try await Task.sleep(for: .seconds(5))
                    #expect(try await leaseOwner(store, started.runId) == "other-worker", "a clock 90 s fast must not take a 60 s lease early")
                    let early = try await store.history(runId: started.runId).filter { $0.eventType == .workflowTaskFailed }
                    #expect(early.isEmpty, "no lease was declared expired early: \(early)")

                    // The lease really runs out: the skewed worker takes the task and runs the checkout.
                    try await store.client.query("UPDATE reprise.workflow_tasks SET visible_at = now() - interval '1 second' WHERE run_id = \(started.runId)")
                    let deadline = ContinuousClock.now + .seconds(60)
                    while ContinuousClock.now < deadline {
                        if try await store.describe(namespace: "default", workflowId: "skew", runId: started.runId).status == .completed { return }
                        try await Task.sleep(for: .milliseconds(200))
                    }
                    Issue.record("the skewed worker did not complete the run once its task was due")
                }
                #expect(result.terminationStatus == .exited(0), "the worker shut down gracefully")
            }
        }
    }

    private func leaseOwner(_ store: Store, _ runId: UUID) async throws -> String? {
        for try await owner in try await store.client.query("SELECT lease_owner FROM reprise.workflow_tasks WHERE run_id = \(runId)").decode(String?.self) {
            return owner
        }
        return nil
    }
}
