import Foundation
import Subprocess
import RepriseTesting
import Store
import Testing
import Workers
import Workflow

/// A cluster of the test's own, so restarting it disturbs no other test.
struct OwnCluster {
    let directory: String
    let port: Int
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/postgres.sh").path

    init() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-restart-\(UUID().uuidString.prefix(8))").path
        // Below the ephemeral range (32768+): while the server is down, an outgoing connection
        // could otherwise take its port and the restart would fail to bind.
        port = 10_000 + Int.random(in: 0..<10_000)
    }

    func run(_ arguments: [String]) async throws {
        let result = try await Subprocess.run(
            .path("/bin/bash"), arguments: Arguments([Self.script] + arguments), output: .discarded, error: .string(limit: 65_536))
        guard result.terminationStatus.isSuccess else {
            throw TestEnvironmentError(message: "postgres.sh \(arguments) failed: \(result.standardError)")
        }
    }

    func start() async throws -> String {
        try await run(["start", directory, String(port)])
        return "postgres://postgres@127.0.0.1:\(port)/postgres"
    }
    func stop() async throws { try await run(["stop", directory]) }
    func destroy() async {
        try? await stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

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
