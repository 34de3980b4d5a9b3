import Foundation
import Logging
import RepriseTesting
import Testing
import TestSupport
import Workflow

/// `reprise worker list` and the start's warning, with a real server and a real worker process
/// (issue 18).
@Suite("reprise worker list")
struct WorkerListCommandTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    static let order = #"{"orderId":"l1","card":"4242424242424242","amountCents":7}"#

    @Test func aRunningWorkerIsListedInItsNamespaceWithItsBuildAndLeavesTheListWhenItStops() async throws {
        try await TestDatabase.with(logger: Self.logger) { database in
            let port = 30_000 + Int.random(in: 0..<2_700)
            let admin = "admin-\(UUID().uuidString)"
            let cli = CLI(port: port, token: admin)
            #expect(try await cli.run(["migrate", "--database-url", database.url], client: false).code == 0)
            let serverStatus = try await CLI.whileRunning(
                ["server", "--bind", "127.0.0.1:\(port)", "--database-url", database.url], environment: ["REPRISE_ADMIN_TOKEN": admin]
            ) {
                try await cli.waitForServer()
                #expect(try await cli("namespace", "create", "acme").code == 0)
                let workerStatus = try await CLI.whileRunning(["worker", "--database-url", database.url, "--namespace", "acme", "--build", "v7"]) {
                    var listed = try await cli("worker", "list", "-n", "acme")
                    for _ in 0..<600 where !listed.out.contains("v7") {
                        try await Task.sleep(for: .milliseconds(100))
                        listed = try await cli("worker", "list", "-n", "acme")
                    }
                    #expect(listed.code == 0, "\(listed.err)")
                    #expect(listed.out.contains("IDENTITY") && listed.out.contains("main") && listed.out.contains("v7"), "\(listed.out)")
                    #expect(listed.out.contains("CardCheckout") && listed.out.contains("payments.demoCharge"), "\(listed.out)")
                    let json = try await cli("worker", "list", "-n", "acme", "-o", "json")
                    #expect(json.json["workers"]?.arrayValue.first?["build"] == .string("v7"))
                    // The worker serves acme only: default lists none, and a start there warns.
                    let empty = try await cli("worker", "list")
                    #expect(empty.code == 0 && empty.out.contains("No live worker in namespace default"), "\(empty.out)")
                    var started = try await cli("workflow", "start", "--type", "CardCheckout", "--workflow-id", "unserved", "--input", Self.order)
                    #expect(started.code == 0, "\(started.err)")
                    for _ in 0..<100 where !started.err.contains("no live worker") {
                        try await Task.sleep(for: .milliseconds(100))
                        started = try await cli("workflow", "describe", "unserved")
                    }
                    #expect(started.err.contains(#"warning: no live worker serves workflow type "CardCheckout" on task queue "main""#), "\(started.err)")
                }
                #expect(workerStatus == .exited(0))
                // Stopped gracefully: off the list at once.
                let after = try await cli("worker", "list", "-n", "acme")
                #expect(after.out.contains("No live worker in namespace acme"), "\(after.out)")
            }
            #expect(serverStatus == .exited(0))
        }
    }

    @Test func aBuildTooLongOrEmptyIsRefusedAtStartup() async throws {
        let cli = CLI(port: 1, token: nil)
        for build in ["", String(repeating: "b", count: 201)] {
            let refused = try await cli.run(["worker", "--database-url", "postgres://nobody@127.0.0.1:1/none", "--build", build], client: false)
            #expect(refused.code != 0)
            #expect(refused.err.contains("worker.build (from flag --build): expected 1 to 200 bytes"), "\(refused.err)")
        }
    }
}
