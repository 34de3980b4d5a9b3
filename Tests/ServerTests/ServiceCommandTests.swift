import Foundation
import Logging
import PostgresNIO
import RepriseTesting
import Store
import Subprocess
import Testing
import TestSupport
import Workflow

/// `reprise migrate`, `server`, `worker` and `dev` as real processes on a real database.
@Suite("Service commands")
struct ServiceCommandTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func migrateServerAndWorkerRunAWorkflowAndShutDownGracefully() async throws {
        try await TestDatabase.with(logger: Self.logger) { database in
            let port = 30_000 + Int.random(in: 0..<2_700)  // between the test clusters (10,000–29,999) and the ephemeral range
            let admin = "admin-\(UUID().uuidString)"
            let cli = CLI(port: port, token: admin)
            let migrated = try await cli.run(["migrate", "--database-url", database.url], client: false)
            #expect(migrated.code == 0, "\(migrated.err)")
            // It migrates every owner's tables this binary needs, and says so per owner.
            #expect(["engine", "gateway", "samples"].allSatisfy { migrated.err.contains("schema.owner=\($0)") }, "\(migrated.err)")
            let serverStatus = try await CLI.whileRunning(
                ["server", "--bind", "127.0.0.1:\(port)", "--database-url", database.url], environment: ["REPRISE_ADMIN_TOKEN": admin]
            ) {
                try await cli.waitForServer()
                let refused = try await CLI(port: port, token: nil)("workflow", "list")
                #expect(refused.code != 0 && refused.err.contains("Unauthorized"))
                let workerStatus = try await CLI.whileRunning(["worker", "--database-url", database.url]) {
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

    /// `server` creates the engine's and the gateway's tables only; the `worker`, which runs the
    /// samples' activities, brings the samples' own.
    @Test func theServerMigratesNoRegisteredSetAndTheWorkerMigratesItsRegistrations() async throws {
        try await TestDatabase.with(logger: Self.logger) { database in
            let port = 30_000 + Int.random(in: 0..<2_700)  // between the test clusters (10,000–29,999) and the ephemeral range
            let cli = CLI(port: port, token: nil)
            let serverStatus = try await CLI.whileRunning(["server", "--bind", "127.0.0.1:\(port)", "--database-url", database.url, "--insecure"]) {
                try await cli.waitForServer()
                #expect(try await Self.migratedOwners(database.url) == ["engine", "gateway"])
                let workerStatus = try await CLI.whileRunning(["worker", "--database-url", database.url]) {
                    let executed = try await cli(
                        "workflow", "execute", "--type", "CardCheckout", "--input", #"{"orderId":"m1","card":"4242424242424242","amountCents":3}"#)
                    #expect(executed.code == 0, "\(executed.err)")
                }
                #expect(workerStatus == .exited(0))
                #expect(try await Self.migratedOwners(database.url) == ["engine", "gateway", "samples"])
            }
            #expect(serverStatus == .exited(0))
        }
    }

    /// The owners with a version recorded in the database.
    static func migratedOwners(_ url: String) async throws -> Set<String> {
        let store = try Store(url: url, maximumConnections: 1, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            var owners: Set<String> = []
            for try await owner in try await store.client.query("SELECT DISTINCT owner FROM reprise.reprise_migrations", logger: logger).decode(String.self) {
                owners.insert(owner)
            }
            return owners
        }
    }

    @Test func devServesTheAPIAndAWorkerInOneProcess() async throws {
        try await TestDatabase.with(logger: Self.logger) { database in
            let port = 30_000 + Int.random(in: 0..<2_700)  // between the test clusters (10,000–29,999) and the ephemeral range
            let cli = CLI(port: port, token: nil)
            let status = try await CLI.whileRunning(["dev", "--database-url", database.url, "--port", String(port)]) {
                try await cli.waitForServer()
                let executed = try await cli(
                    "workflow", "execute", "--type", "CardCheckout", "--input", #"{"orderId":"d1","card":"4242424242424242","amountCents":9}"#)
                #expect(executed.code == 0, "\(executed.err)")
                #expect(executed.out.contains("charged 9 cents"))
            }
            #expect(status == .exited(0))
        }
    }
}
