import Foundation
import Logging
import RepriseTesting
import Testing
import TestSupport
import Workflow

/// `reprise worker --namespace` as a real process (issue 15): the worker takes the runs of the
/// namespaces it was started for, and no other namespace's on the same queue.
@Suite("reprise worker --namespace")
struct WorkerNamespaceCommandTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    static let order = #"{"orderId":"n1","card":"4242424242424242","amountCents":7}"#

    @Test func aWorkerStartedForANamespaceRunsItsRunsAndNotAnotherNamespacesOnTheSameQueue() async throws {
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
                let workerStatus = try await CLI.whileRunning(["worker", "--database-url", database.url, "--namespace", "acme,globex"]) {
                    // Both on queue "main": the default namespace's run waits, acme's runs.
                    let other = try await cli(
                        "workflow", "start", "--type", "CardCheckout", "--workflow-id", "elsewhere", "--input", Self.order)
                    #expect(other.code == 0, "\(other.err)")
                    let executed = try await cli(
                        "workflow", "execute", "--type", "CardCheckout", "--workflow-id", "mine", "-n", "acme", "--input", Self.order)
                    #expect(executed.code == 0, "\(executed.err)")
                    #expect(executed.out.contains("WorkflowExecutionCompleted"))
                    let waiting = try await cli("workflow", "describe", "elsewhere", "-o", "json")
                    #expect(waiting.json["status"] == .string("Running"))
                    let shown = try await cli("workflow", "show", "elsewhere")
                    #expect(!shown.out.contains("WorkflowTaskStarted"), "\(shown.out)")
                }
                #expect(workerStatus == .exited(0))
            }
            #expect(serverStatus == .exited(0))
        }
    }

    @Test func anEmptyNamespaceIsRefusedAtStartup() async throws {
        let cli = CLI(port: 1, token: nil)
        let refused = try await cli.run(
            ["worker", "--database-url", "postgres://nobody@127.0.0.1:1/none", "--namespace", "acme,,globex"], client: false)
        #expect(refused.code != 0)
        #expect(refused.err.contains("--namespace must not be empty"), "\(refused.err)")
    }
}
