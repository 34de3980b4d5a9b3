import Foundation
import Logging
import RepriseTesting
import Subprocess
import Testing
import Workflow

/// `reprise migrate`, `server`, `worker` and `dev` as real processes on a real database.
@Suite("Service commands")
struct ServiceCommandTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs a long-lived `reprise` command while `body` runs, then stops it with SIGTERM and
    /// returns its termination status: a graceful shutdown exits 0.
    func whileRunning(
        _ arguments: [String], environment: [Environment.Key: String?] = [:], _ body: () async throws -> Void
    ) async throws -> TerminationStatus {
        let result = try await Subprocess.run(
            .path(.init(CLI.binary)), arguments: Arguments(arguments), environment: .inherit.updating(environment), input: .none,
            output: .discarded, error: .discarded
        ) { execution in
            do {
                try await body()
            } catch {
                try? execution.send(signal: .terminate)
                throw error
            }
            try execution.send(signal: .terminate)
        }
        return result.terminationStatus
    }

    func waitForServer(_ cli: CLI) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try await cli("namespace", "list").code == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestEnvironmentError(message: "the server did not come up")
    }

    @Test func migrateServerAndWorkerRunAWorkflowAndShutDownGracefully() async throws {
        try await TestDatabase.with(logger: Self.logger) { database in
            let port = 20_000 + Int.random(in: 0..<20_000)
            let admin = "admin-\(UUID().uuidString)"
            let cli = CLI(port: port, token: admin)
            let migrated = try await cli.run(["migrate", "--database-url", database.url], client: false)
            #expect(migrated.code == 0, "\(migrated.err)")
            let serverStatus = try await whileRunning(
                ["server", "--bind", "127.0.0.1:\(port)", "--database-url", database.url], environment: ["REPRISE_ADMIN_TOKEN": admin]
            ) {
                try await waitForServer(cli)
                let refused = try await CLI(port: port, token: nil)("workflow", "list")
                #expect(refused.code != 0 && refused.err.contains("Unauthorized"))
                let workerStatus = try await whileRunning(["worker", "--database-url", database.url]) {
                    let executed = try await cli(
                        "workflow", "execute", "--type", "CardCheckout", "--input", #"{"orderId":"s1","card":"4242424242424242","amountCents":7}"#)
                    #expect(executed.code == 0, "\(executed.err)")
                    #expect(executed.out.contains("WorkflowExecutionCompleted"))
                }
                #expect(workerStatus == .exited(0))
            }
            #expect(serverStatus == .exited(0))
        }
    }

    @Test func devServesTheAPIAndAWorkerInOneProcess() async throws {
        try await TestDatabase.with(logger: Self.logger) { database in
            let port = 20_000 + Int.random(in: 0..<20_000)
            let cli = CLI(port: port, token: nil)
            let status = try await whileRunning(["dev", "--database-url", database.url, "--port", String(port)]) {
                try await waitForServer(cli)
                let executed = try await cli(
                    "workflow", "execute", "--type", "CardCheckout", "--input", #"{"orderId":"d1","card":"4242424242424242","amountCents":9}"#)
                #expect(executed.code == 0, "\(executed.err)")
                #expect(executed.out.contains("charged 9 cents"))
            }
            #expect(status == .exited(0))
        }
    }
}
