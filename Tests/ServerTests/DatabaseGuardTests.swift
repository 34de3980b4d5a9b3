import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import RepriseTesting
@testable import Server
import Store
import Testing
import Workflow

/// The API on a database that stops answering: a black hole between the Store and Postgres (the
/// sockets stay open, nothing comes back), as a partition or a Postgres that hangs looks.
@Suite("Database guard", .timeLimit(.minutes(2)))
struct DatabaseGuardTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func requestsAnswer503WhileTheDatabaseHangsAndReadyzRecovers() async throws {
        try await withProxiedAPI { http, proxy in
            #expect(try await http.send(.GET, "/readyz").code == 200)
            let missing = "/api/v1/namespaces/default/workflows/no-such-run"
            #expect(try await http.send(.GET, missing).code == 404)

            proxy.blackhole()
            // /readyz is unready within about its readinessTimeout (1 s), not held for the pool.
            let (ready, readyTime) = try await timed { try await http.send(.GET, "/readyz", timeout: .seconds(20)) }
            #expect(ready.code == 503)
            #expect(String(buffer: ready.body).contains("DatabaseUnavailable"))
            #expect(readyTime < .seconds(8), "readyz took \(readyTime)")
            // A request's database call is abandoned after databaseCallTimeout (2 s here): a 503, not a hang.
            let (describe, describeTime) = try await timed { try await http.send(.GET, missing, timeout: .seconds(25)) }
            #expect(describe.code == 503)
            #expect(String(buffer: describe.body).contains("DatabaseUnavailable"))
            #expect(describeTime < .seconds(15), "the request took \(describeTime)")

            proxy.restore()
            try await eventually("readyz is ready again") { try await http.send(.GET, "/readyz").code == 200 }
            try await eventually("requests reach the database again") { try await http.send(.GET, missing).code == 404 }
        }
    }

    @Test func aLongPollWaitsLongerThanTheDatabaseCallTimeout() async throws {
        try await withProxiedAPI { http, _ in
            let start = try await http.send(
                .POST, "/api/v1/namespaces/default/workflows", headers: [("Content-Type", "application/json")],
                body: Array(#"{"workflowId":"held","type":"NoWorkerRunsThis","input":null}"#.utf8))
            #expect(start.code == 201, "\(String(buffer: start.body))")
            // No worker runs the type, so nothing follows the first events: the long-poll waits its
            // whole historyWaitTimeout (6 s), three times the databaseCallTimeout, and answers 200.
            let (poll, time) = try await timed {
                try await http.send(.GET, "/api/v1/namespaces/default/workflows/held/history?wait=true&afterEventId=100", timeout: .seconds(30))
            }
            #expect(poll.code == 200, "\(String(buffer: poll.body))")
            #expect(time >= .seconds(5), "the long-poll answered after \(time)")
        }
    }

    /// An insecure API whose Store reaches a fresh database through a ``TCPProxy``, with a
    /// databaseCallTimeout of 2 s and long-polls of 6 s.
    private func withProxiedAPI(_ body: @Sendable (RealHTTP, TCPProxy) async throws -> Void) async throws {
        try await TestDatabase.with(logger: Self.logger) { database in
            let direct = URLComponents(string: database.url)!
            let proxy = try await TCPProxy.start(to: direct.host!, port: direct.port ?? 5432)
            var proxied = direct
            proxied.port = proxy.port
            let store = try Store(url: proxied.string!, maximumConnections: 10, logger: Self.logger)
            var configuration = APIServer.Configuration(insecure: true)
            configuration.databaseCallTimeout = .seconds(2)
            configuration.historyWaitTimeout = .seconds(6)
            let api = APIServer(store: store, configuration: configuration, metrics: PrometheusCollectorRegistry(), logger: Self.logger)
            let port = 30_000 + Int.random(in: 0..<2_700)  // between the test clusters (10,000–29,999) and the ephemeral range
            let app = Application(
                router: api.router(), configuration: .init(address: .hostname("127.0.0.1", port: port)), services: api.services,
                logger: Self.logger)
            // Unstructured, so that a failure does not wait for them: without the guard, a handler
            // hangs on the black hole for good and would hold up the server's and the pool's shutdown.
            let running = Task { await store.run() }
            let serving = Task { try await app.runService(gracefulShutdownSignals: []) }
            do {
                _ = try await store.migrate()
                try await HTTPClient.withHTTPClient { http in
                    let client = RealHTTP(http, port: port)
                    try await eventually("the API serves") { try await client.send(.GET, "/healthz").code == 200 }
                    try await body(client, proxy)
                }
            } catch {
                proxy.restore()
                serving.cancel()
                running.cancel()
                throw error
            }
            serving.cancel()
            _ = await serving.result
            running.cancel()
            await running.value
            await proxy.close()
        }
    }
}

/// Runs `body` and returns its result with the time it took.
func timed<T>(_ body: () async throws -> T) async throws -> (T, Duration) {
    let started = ContinuousClock.now
    let result = try await body()
    return (result, ContinuousClock.now - started)
}

/// Waits until `condition` holds, trying every 200 ms for up to `timeout`; errors count as not yet.
func eventually(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return }
        try await Task.sleep(for: .milliseconds(200))
    }
    throw TestEnvironmentError(message: "timed out waiting until \(what)")
}
