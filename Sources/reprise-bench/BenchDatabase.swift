import Foundation
import Logging
import PostgresNIO
import Store
import Subprocess

/// The database the scenarios run in: a fresh one on the given server, or on a throwaway cluster.
enum BenchDatabase {
    static let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs `body` with the URL of a database created for this run, dropped afterwards.
    static func with(serverURL: String?, _ body: (String) async throws -> Void) async throws {
        guard let serverURL else {
            try await withThrowawayCluster { try await with(serverURL: $0, body) }
            return
        }
        let name = "reprise_bench_\(UUID().uuidString.prefix(8).lowercased())"
        try await administer(serverURL, "CREATE DATABASE \(name)")
        guard var components = URLComponents(string: serverURL) else { throw BenchError("not a database URL: \(serverURL)") }
        components.path = "/\(name)"
        do {
            try await body(components.string ?? serverURL)
        } catch {
            try? await administer(serverURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            throw error
        }
        try await administer(serverURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    private static func administer(_ url: String, _ sql: String) async throws {
        let client = PostgresClient(configuration: try Store.configuration(url: url, maximumConnections: 1), backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await client.query(PostgresQuery(unsafeSQL: sql))
        }
    }

    /// Starts a cluster with scripts/postgres.sh (which runs it as the postgres user when root)
    /// and stops it afterwards.
    private static func withThrowawayCluster(_ body: (String) async throws -> Void) async throws {
        let script = "scripts/postgres.sh"
        guard FileManager.default.fileExists(atPath: script) else {
            throw BenchError("no --database-url, and \(script) is not here to start a throwaway cluster: run from the repository's root")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-bench-pg-\(UUID().uuidString.prefix(8))").path
        let port = 10_000 + Int.random(in: 0..<10_000)  // below the ephemeral range
        let started = try await Subprocess.run(
            .path("/bin/bash"), arguments: [script, "start", directory, String(port)], output: .string(limit: 1 << 16),
            error: .string(limit: 1 << 16))
        guard started.terminationStatus.isSuccess, let url = started.standardOutput.split(separator: "\n").last.map(String.init) else {
            throw BenchError("could not start a throwaway cluster: \(started.standardError)")
        }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            try await body(url)
        } catch {
            _ = try? await Subprocess.run(.path("/bin/bash"), arguments: [script, "stop", directory], output: .discarded, error: .discarded)
            throw error
        }
        _ = try await Subprocess.run(.path("/bin/bash"), arguments: [script, "stop", directory], output: .discarded, error: .discarded)
    }
}
