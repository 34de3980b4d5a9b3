import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import RepriseTesting
import Testing
import Workflow

@testable import Server

/// What a hostile caller sends: each request is refused with a 4xx that names the problem, the
/// process lives on, and nothing is written.
@Suite("Hostile requests")
struct HostileRequestTests {
    static let base = "/api/v1/namespaces/default"

    /// On the code before the limits, the first of these aborted the whole process (a `Double` too
    /// large for the `Int64` nanoseconds of a `Duration`).
    @Test func anExecutionTimeoutOutOfRangeIsA400NotAnAbort() async throws {
        try await APIHarness.run { api in
            for timeout in ["1e10", #""inf""#, #""1e300s""#, "1e308", #""-5m""#, #""nan""#, "0", #""1e-400s""#] {
                let reply = try await api.send(
                    .post, "\(Self.base)/workflows", body: #"{"workflowId":"t","type":"Waiter","executionTimeout":\#(timeout)}"#)
                #expect(reply.status == 400, "executionTimeout \(timeout): \(reply.text)")
                #expect(reply.text.contains("executionTimeout"), "\(reply.text)")
            }
            let started = try await api.send(
                .post, "\(Self.base)/workflows", body: #"{"workflowId":"t","type":"Waiter","executionTimeout":"30d"}"#)
            #expect(started.status == 201, "\(started.text)")
        }
    }

    @Test func identifiersWithControlCharactersOrTooLongAreRefused() async throws {
        try await APIHarness.run { api in
            let long = String(repeating: "w", count: 5_000)
            let starts = [
                #"{"workflowId":"a\u0000b","type":"Waiter"}"#,
                #"{"workflowId":"\#(long)","type":"Waiter"}"#,
                #"{"workflowId":"a","type":"Wai\nter"}"#,
                #"{"workflowId":"a","type":"Waiter","taskQueue":"q\u001b[31m"}"#,
                #"{"workflowId":"a","type":"Waiter","input":{"note":"x\u0000y"}}"#,
                #"{"workflowId":"a","type":"Waiter","memo":{"k\u0000":1}}"#,
            ]
            for body in starts {
                let reply = try await api.send(.post, "\(Self.base)/workflows", body: body)
                #expect(reply.status == 400, "\(body.prefix(80)): \(reply.text.prefix(200))")
                #expect(reply.json["error"]?["code"] == .string("InvalidArgument"), "\(reply.text.prefix(200))")
            }
            let started = try await api.send(.post, "\(Self.base)/workflows", body: #"{"workflowId":"ok","type":"Waiter","input":"x\ny"}"#)
            #expect(started.status == 201, "a newline in a payload is ordinary JSON: \(started.text)")

            let longPath = String(repeating: "p", count: 1_001)
            for (method, path, body) in [
                (HTTPRequest.Method.get, "\(Self.base)/workflows/\(longPath)", nil as String?),
                (.post, "\(Self.base)/workflows/ok/signals/\(longPath)", "1"),
                (.post, "\(Self.base)/workflows/ok/signals/approve", #"{"text":"\u0000"}"#),
                (.get, "/api/v1/namespaces/\(longPath)/workflows", nil),
                (.get, "\(Self.base)/workflows?type=a%00b", nil),  // found by the fuzz suite: a 500 from Postgres
            ] {
                let reply = try await api.send(method, path, body: body)
                #expect(reply.status == 400, "\(method) \(path.prefix(80)): \(reply.text.prefix(200))")
            }
            let list = try await api.send(.get, "\(Self.base)/workflows")
            #expect(list.json["workflows"]?.arrayValue.count == 1, "only the valid start wrote a run: \(list.text.prefix(300))")
            let history = try await api.send(.get, "\(Self.base)/workflows/ok/history")
            #expect(!history.text.contains("WorkflowExecutionSignaled"), "the refused signal was not delivered")
        }
    }

    @Test func metricsNeedAMetricsOrAdminToken() async throws {
        try await APIHarness.run { api in
            #expect(try await api.send(.get, "/metrics", token: .some(nil)).status == 401)
            let reader = try await api.token("default", "reader")
            #expect(try await api.send(.get, "/metrics", token: reader).status == 403)
            let created = try await api.send(.post, "\(Self.base)/tokens", body: #"{"role":"metrics"}"#)
            #expect(created.status == 201 && created.json["namespace"] == nil, "a metrics token spans no namespace: \(created.text)")
            guard case .string(let scraper)? = created.json["token"] else { throw TestEnvironmentError(message: created.text) }
            let scraped = try await api.send(.get, "/metrics", token: scraper)
            #expect(scraped.status == 200 && scraped.text.contains("reprise_http_requests_total"), "\(scraped.text.prefix(300))")
            #expect(try await api.send(.get, "\(Self.base)/workflows", token: scraper).status == 403, "a metrics token reads no workflows")
            #expect(try await api.send(.get, "/metrics").status == 200, "an admin token reads metrics")
            #expect(!scraped.text.contains("method=\"BREW\""))
        }
    }

    @Test func anAdminTokenShorterThan32CharactersIsNeverAccepted() async throws {
        let short = "short-admin-token"
        try await APIHarness.run(configure: { $0.adminToken = short }) { api in
            let status = try await api.send(.get, "/api/v1/namespaces", token: short).status
            #expect(status == 401)
        }
        let long = String(repeating: "k", count: 32)
        try await APIHarness.run(configure: { $0.adminToken = long }) { api in
            let accepted = try await api.send(.get, "/api/v1/namespaces", token: long).status
            let wrong = try await api.send(.get, "/api/v1/namespaces", token: long + "x").status
            #expect(accepted == 200 && wrong == 401)
        }
    }

    /// `reprise dev`'s API: no tokens, so nothing a web page can send may reach it. Sent with a real
    /// HTTP client, which lets the test choose the `Host` header.
    @Test func aLoopbackOnlyServerRefusesWhatAWebPageCanSend() async throws {
        try await APIHarness.run(insecure: true, configure: { $0.loopbackOnly = true }) { api in
            let port = try #require(api.client.port)
            try await HTTPClient.withHTTPClient { http in
                func send(_ method: HTTPMethod, _ path: String, body: String? = nil, _ headers: [(String, String)]) async throws -> (Int, String) {
                    try await Self.send(http, port: port, method, path, body: body, headers)
                }
                let start = #"{"workflowId":"csrf","type":"Waiter"}"#
                let json = ("Content-Type", "application/json")
                let local = ("Host", "127.0.0.1:\(port)")
                #expect(try await send(.GET, "\(Self.base)/workflows", [local]).0 == 200)

                let rebound = try await send(.GET, "\(Self.base)/workflows", [("Host", "attacker.example:\(port)")])
                #expect(rebound.0 == 403 && rebound.1.contains("CrossSiteRequestRefused"), "\(rebound)")
                let foreign = try await send(.POST, "\(Self.base)/workflows", body: start, [local, json, ("Origin", "http://attacker.example")])
                #expect(foreign.0 == 403, "\(foreign)")
                let simple = try await send(.POST, "\(Self.base)/workflows", body: start, [local, ("Content-Type", "text/plain")])
                #expect(simple.0 == 415, "\(simple)")
                let empty = try await send(.POST, "\(Self.base)/workflows/csrf/cancel", [("Host", "localhost:\(port)")])
                #expect(empty.0 == 415, "a write without a JSON content type is refused, body or not: \(empty)")
                #expect(try await send(.GET, "\(Self.base)/workflows/csrf", [local]).0 == 404, "nothing was started")

                let own = try await send(.POST, "\(Self.base)/workflows", body: start, [local, json, ("Origin", "http://127.0.0.1:\(port)")])
                #expect(own.0 == 201, "\(own)")
            }
        }
    }

    @Test func historyComesInPagesThatJoinUpToTheWholeHistory() async throws {
        try await APIHarness.run { api in
            #expect(try await api.send(.post, "\(Self.base)/workflows", body: #"{"workflowId":"p","type":"Waiter","input":"x"}"#).status == 201)
            #expect(try await api.send(.post, "\(Self.base)/workflows/p/signals/approve", body: #""yes""#).status == 202)
            let closed = try await api.send(.get, "\(Self.base)/workflows/p/history?filter=close&wait=true")
            #expect(closed.text.contains("WorkflowExecutionCompleted"), "\(closed.text)")
            let whole = try await api.send(.get, "\(Self.base)/workflows/p/history")
            let all = whole.json["events"]?.arrayValue ?? []
            #expect(all.count > 5 && whole.json["nextPageToken"] == nil)

            var paged: [JSONValue] = []
            var token: String?
            repeat {
                let page = try await api.send(.get, "\(Self.base)/workflows/p/history?pageSize=2" + (token.map { "&pageToken=\($0)" } ?? ""))
                let events = page.json["events"]?.arrayValue ?? []
                #expect(events.count <= 2 && !events.isEmpty, "\(page.text)")
                paged += events
                if case .string(let next)? = page.json["nextPageToken"] { token = next } else { token = nil }
            } while token != nil
            #expect(paged == all)
            for bad in ["pageSize=0", "pageSize=1001", "pageSize=x", "pageToken=-3"] {
                #expect(try await api.send(.get, "\(Self.base)/workflows/p/history?\(bad)").status == 400, "\(bad)")
            }
        }
    }

    /// Sent over connections of their own (the test client's one connection would queue them).
    @Test func longPollsBeyondTheCapAre429AndAHeldOneWakesOnNewEvents() async throws {
        try await APIHarness.run(configure: { $0.limits.maxConcurrentLongPolls = 1 }) { api in
            let port = try #require(api.client.port)
            #expect(try await api.send(.post, "\(Self.base)/workflows", body: #"{"workflowId":"lp","type":"Waiter","input":"x"}"#).status == 201)
            // Waits until the first workflow task is written, so the held long-poll waits for the signal.
            var last: Int64 = 0
            while true {
                let events = try await api.send(.get, "\(Self.base)/workflows/lp/history").json["events"]?.arrayValue ?? []
                if events.last?["eventType"] == .string("WorkflowTaskCompleted"), case .int(let id)? = events.last?["eventId"] {
                    last = id
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            let path = "\(Self.base)/workflows/lp/history?wait=true&afterEventId=\(last)"
            let auth = ("Authorization", "Bearer \(api.adminToken)")
            try await HTTPClient.withHTTPClient { http in
                let held = Task { try await Self.send(http, port: port, .GET, path, [auth]) }
                while api.server.historyWatch.heldLongPolls == 0 { try await Task.sleep(for: .milliseconds(5)) }
                let refused = try await Self.send(http, port: port, .GET, path, [auth])
                #expect(refused.0 == 429 && refused.1.contains("TooManyLongPolls"), "\(refused)")
                let signal = try await Self.send(
                    http, port: port, .POST, "\(Self.base)/workflows/lp/signals/approve", body: #""yes""#, [auth, ("Content-Type", "application/json")])
                #expect(signal.0 == 202)
                // From the signal's answer: the wake-up is what is timed, not a slow machine's signal.
                let signaled = ContinuousClock.now
                let woken = try await held.value
                #expect(woken.0 == 200 && woken.1.contains("WorkflowExecutionSignaled"), "\(woken)")
                #expect(ContinuousClock.now - signaled < .seconds(15), "woken by the run's growth, not the 20 s timeout")
            }
        }
    }

    /// Sends a request over a real HTTP client, whose headers (`Host` too) the test chooses.
    static func send(
        _ http: HTTPClient, port: Int, _ method: HTTPMethod, _ path: String, body: String? = nil, _ headers: [(String, String)]
    ) async throws -> (Int, String) {
        let answer = try await RealHTTP(http, port: port).send(method, path, headers: headers, body: body.map { Array($0.utf8) })
        return (answer.code, String(buffer: answer.body))
    }
}
