import Foundation

/// A Postgres cluster of a test's own (`scripts/postgres.sh`), so that stopping, crashing or
/// restarting it disturbs no other test.
public struct OwnCluster: Sendable {
    public let directory: String
    public let port: Int
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/postgres.sh").path

    public init() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-restart-\(UUID().uuidString.prefix(8))").path
        // Below the ephemeral range (32768+): while the server is down, an outgoing connection
        // could otherwise take its port and the restart would fail to bind.
        port = 10_000 + Int.random(in: 0..<10_000)
    }

    /// The URL of the cluster's `postgres` database.
    public var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }

    /// Starts the cluster (creating it the first time) and returns its URL.
    @discardableResult
    public func start() async throws -> String {
        do {
            try await run(["start", directory, String(port)])
        } catch {
            // Once again after a pause: a first start failed twice under the whole suite's load
            // ("could not start server"), cause not found.
            try await Task.sleep(for: .seconds(2))
            try await run(["start", directory, String(port)])
        }
        return url
    }

    /// Starts the cluster so that it takes only TLS connections (`scripts/postgres.sh start-tls`),
    /// with a certificate for `localhost` and `127.0.0.1` that ``certificateAuthority`` signed;
    /// returns the URL without TLS settings, for the caller to add them.
    @discardableResult
    public func startTakingOnlyTLS() async throws -> String {
        try await run(["start-tls", directory, String(port)])
        return url
    }

    /// The CA certificate (PEM) that signed the TLS cluster's certificate.
    public var certificateAuthority: String { directory + "/tls/ca.crt" }
    /// A CA certificate (PEM) that did not sign it.
    public var otherCertificateAuthority: String { directory + "/tls/other-ca.crt" }

    /// A fast shutdown.
    public func stop() async throws { try await run(["stop", directory]) }

    /// An immediate shutdown: as a crash, with recovery on the next start.
    public func crash() async throws { try await run(["crash", directory]) }

    /// Stops the cluster and deletes its directory.
    public func destroy() async {
        try? await stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs the script with posix_spawn and a waitpid for its pid alone: Foundation's `Process`
    /// reaps children that swift-subprocess (the tests' CLI runner) waits for, and then one of
    /// them waits forever.
    func run(_ arguments: [String]) async throws {
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("postgres-sh-\(UUID().uuidString).err").path
        defer { try? FileManager.default.removeItem(atPath: errorFile) }
        let argv = ["/bin/bash", Self.script] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errorFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, &cArguments, environ)
        guard spawned == 0 else { throw TestEnvironmentError(message: "postgres.sh \(arguments): posix_spawn failed with \(spawned)") }
        let child = pid
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(child, &status, 0) == -1 && errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
        guard status == 0 else {
            let message = (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? ""
            throw TestEnvironmentError(message: "postgres.sh \(arguments) failed (status \(status)): \(message)")
        }
    }
}
