import Foundation
import RepriseTesting
import Store
import Testing
import Workers
import Workflow

@Suite("Postgres restart")
struct PostgresRestartTests {
    @Test func aRunSurvivesAPostgresRestartMidActivity() async throws {
        let cluster = OwnCluster()
        let server = try await cluster.start()
        do {
            try await survive(cluster: cluster, server: server)
        } catch {
            await cluster.destroy()
            throw error
        }
        await cluster.destroy()
    }

    private func survive(cluster: OwnCluster, server: String) async throws {
        let log = CallLog()
        let gate = Gate(log: log)
        try await TestEnvironment.run(
            workflows: [GatedSteps.self], activities: [Greet(log: log), gate], databaseServer: server,
            configure: {
                $0.pollInterval = .milliseconds(200)
                $0.databaseCallTimeout = .seconds(5)  // A call caught in the restart is given up sooner.
            }
        ) { env in
            try await env.start(GatedSteps.self, id: "restart", input: "p")
            try await env.waitUntil("the gate runs") { log.count("Gate:p") == 1 }
            try await cluster.stop()
            gate.open.update { $0 = true }
            try await Task.sleep(for: .milliseconds(300))
            _ = try await cluster.start()
            let result = try await env.result(GatedSteps.self, id: "restart", timeout: .seconds(120))
            #expect(result == ["hello p-before", "passed p", "hello p-after"])
            let history = try await env.history("restart")
            #expect(history.filter { $0.eventType == .activityTaskCompleted }.count == 3)
            #expect(history.map(\.eventId) == Array(1...Int64(history.count)))
        }
    }
}
