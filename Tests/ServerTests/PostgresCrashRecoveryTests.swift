import AsyncHTTPClient
import Foundation
import NIOCore
import RepriseTesting
import Synchronization
import Testing
import TestSupport

/// `reprise server` and `reprise worker` as real processes on a cluster of their own, which the
/// test crashes (`pg_ctl stop -m immediate`) twice: neither process needs a human to carry on.
@Suite("Postgres crash recovery", .serialized)
struct PostgresCrashRecoveryTests {
    @Test func serverAndWorkerRecoverFromPostgresCrashes() async throws {
        let cluster = OwnCluster()
        let url = try await cluster.start()
        // The server reaches Postgres through a proxy, so the test sees its connection attempts.
        let proxy = try await TCPProxy.start(to: "127.0.0.1", port: cluster.port)
        do {
            try await recover(cluster: cluster, url: url, serverURL: "postgres://postgres@127.0.0.1:\(proxy.port)/postgres", proxy: proxy)
        } catch {
            await proxy.close()
            await cluster.destroy()
            throw error
        }
        await proxy.close()
        await cluster.destroy()
    }

    private func recover(cluster: OwnCluster, url: String, serverURL: String, proxy: TCPProxy) async throws {
        let port = 30_000 + Int.random(in: 0..<2_700)  // between the test clusters (10,000–29,999) and the ephemeral range
        let migrated = try await CLI(port: port, token: nil).run(["migrate", "--database-url", url], client: false)
        #expect(migrated.code == 0, "\(migrated.err)")
        let serverStatus = try await CLI.whileRunning(["server", "--bind", "127.0.0.1:\(port)", "--database-url", serverURL, "--insecure"]) {
            let workerStatus = try await CLI.whileRunning(["worker", "--database-url", url]) {
                try await HTTPClient.withHTTPClient { http in
                    let api = RealHTTP(http, port: port)
                    try await eventually("the server is ready") { try await api.send(.GET, "/readyz").code == 200 }
                    try await crashForTenSeconds(cluster: cluster, api: api)
                    try await startsResumeAfterALongOutage(cluster: cluster, api: api, proxy: proxy)
                    #expect(try await api.send(.GET, "/healthz").code == 200)
                }
            }
            // Still running when told to stop, and stopped gracefully: neither gave up on its own.
            #expect(workerStatus == .exited(0))
        }
        #expect(serverStatus == .exited(0))
    }

    /// A run waiting on a timer and a long-poll on it, both from before a 10 s crash: the timer
    /// fires and the run completes, the long-poll answers, `/readyz` goes 503 and back to 200.
    private func crashForTenSeconds(cluster: OwnCluster, api: RealHTTP) async throws {
        let run = "/api/v1/namespaces/default/workflows/dunning-crash"
        // Declined, then a 14 s wait (a timer), declined again, canceled: the sample's whole path.
        let input = #"{"subscriptionId":"sub_crash","customer":"cus_crash","email":"billing@example.com","amountCents":4900,"#
            + #""paymentSource":"tok_chargeDeclined","retryScheduleSeconds":[14]}"#
        let started = try await api.send(
            .POST, "/api/v1/namespaces/default/workflows", headers: [("Content-Type", "application/json")],
            body: Array(#"{"workflowId":"dunning-crash","type":"SubscriptionDunning","input":\#(input)}"#.utf8))
        #expect(started.code == 201, "\(String(buffer: started.body))")
        try await eventually("the run waits on its timer") {
            String(buffer: try await api.send(.GET, "\(run)/history").body).contains("TimerStarted")
        }
        let last = try Self.lastEventId(try await api.send(.GET, "\(run)/history").body)
        let longPoll = Task { try await api.send(.GET, "\(run)/history?wait=true&afterEventId=\(last)", timeout: .seconds(120)) }
        // Time for the long-poll to reach the server and pass its checks before the crash, on a
        // machine loaded by the other suites: one that arrives during the crash is rightly a 503.
        try await Task.sleep(for: .seconds(3))

        try await cluster.crash()
        let crashed = ContinuousClock.now
        try await eventually("readyz reports the database away", timeout: .seconds(20)) { try await api.send(.GET, "/readyz").code == 503 }
        print("recovery: /readyz unready \(ContinuousClock.now - crashed) after the crash")
        try await Task.sleep(until: crashed + .seconds(10))
        try await cluster.start()
        let back = ContinuousClock.now
        try await eventually("readyz is ready again") { try await api.send(.GET, "/readyz").code == 200 }
        print("recovery: /readyz ready \(ContinuousClock.now - back) after a 10 s crash")

        let poll = try await longPoll.value
        #expect(poll.code == 200, "the long-poll opened before the crash answered \(poll.code): \(String(buffer: poll.body))")
        try await eventually("the run completes", timeout: .seconds(120)) {
            String(buffer: try await api.send(.GET, run).body).contains(#""status":"Completed""#)
        }
        let history = String(buffer: try await api.send(.GET, "\(run)/history").body)
        #expect(history.components(separatedBy: "\"TimerFired\"").count - 1 == 1, "the timer fired once")
        print("recovery: the timer run completed \(ContinuousClock.now - back) after Postgres returned")
    }

    /// During a 40 s outage a start is refused at once (503). Postgres then returns just after
    /// one of the server's connect attempts, which without the watch is its pool's, whose next
    /// attempt is then furthest away (about 10 s by its backoff): a start is accepted again
    /// within 5 s all the same.
    private func startsResumeAfterALongOutage(cluster: OwnCluster, api: RealHTTP, proxy: TCPProxy) async throws {
        try await cluster.crash()
        let crashed = ContinuousClock.now
        try await Task.sleep(for: .seconds(10))
        // While Postgres is away a start is refused at once, not held for the 30 s call timeout
        // in a pool that cannot connect.
        let (refused, refusedTime) = try await timed {
            try await api.send(
                .POST, "/api/v1/namespaces/default/workflows", headers: [("Content-Type", "application/json")],
                body: Array(#"{"workflowId":"during-outage","type":"NoWorkerRunsThis","input":null}"#.utf8), timeout: .seconds(40))
        }
        #expect(refused.code == 503, "\(String(buffer: refused.body))")
        #expect(refusedTime < .seconds(10), "a start during the outage answered after \(refusedTime)")
        print("recovery: a start during the outage answered \(refused.code) after \(refusedTime)")
        try await Task.sleep(until: crashed + .seconds(40))
        let attempts = proxy.accepted
        let deadline = ContinuousClock.now + .seconds(90)
        while proxy.accepted == attempts && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        try await cluster.start()
        let back = ContinuousClock.now
        // A start every 100 ms, each on its own: one sent before the server noticed Postgres return
        // may wait for its timeout, and must not hold up the ones sent after it.
        let succeeded = FirstSuccess()
        await withDiscardingTaskGroup { group in
            var attempt = 0
            while succeeded.at == nil && ContinuousClock.now < back + .seconds(90) {
                attempt += 1
                let body = Array(#"{"workflowId":"after-outage-\#(attempt)","type":"NoWorkerRunsThis","input":null}"#.utf8)
                group.addTask {
                    let answer = try? await api.send(
                        .POST, "/api/v1/namespaces/default/workflows", headers: [("Content-Type", "application/json")], body: body,
                        timeout: .seconds(40))
                    if answer?.code == 201 { succeeded.record() }
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
            group.cancelAll()
        }
        guard let first = succeeded.at else { throw TestEnvironmentError(message: "no start succeeded within 90 s") }
        let recovered = first - back
        print("recovery: starts succeed \(recovered) after a 40 s outage")
        #expect(recovered < .seconds(5), "the first start succeeded \(recovered) after Postgres returned")
    }

    static func lastEventId(_ body: ByteBuffer) throws -> Int {
        let page = try JSONSerialization.jsonObject(with: Data(String(buffer: body).utf8)) as? [String: Any]
        let events = page?["events"] as? [[String: Any]] ?? []
        return events.compactMap { ($0["eventId"] as? NSNumber)?.intValue }.max() ?? 0
    }
}

/// When the first of several concurrent attempts succeeded.
private final class FirstSuccess: Sendable {
    private let instant = Mutex<ContinuousClock.Instant?>(nil)
    var at: ContinuousClock.Instant? { instant.withLock { $0 } }
    func record() { instant.withLock { $0 = $0 ?? .now } }
}
