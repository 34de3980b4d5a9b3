import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import RepriseTesting
import Synchronization
import Testing
import TestSupport
import Workflow

/// 10,000 generated hostile requests over every route of a real `reprise server` process. No
/// answer is a 5xx, each comes within 5 s, the process lives through it all and shuts down
/// cleanly, and a namespace the requests never name is unchanged.
@Suite("Fuzz")
struct FuzzTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    static let requestCount = 10_000
    static let concurrency = 8

    struct Tally: Sendable {
        var requests = 0
        var serverErrors: [String] = []
        var hangs: [String] = []
        var statuses: [Int: Int] = [:]
    }

    final class Tallies: Sendable {
        let state = Mutex(Tally())
    }

    @Test func tenThousandHostileRequestsGetNo5xxAndLeaveOtherDataAlone() async throws {
        try await TestDatabase.with(logger: Self.logger) { database in
            let port = 30_000 + Int.random(in: 0..<2_700)
            let admin = "admin-\(UUID().uuidString)"
            let cli = CLI(port: port, token: admin)
            #expect(try await cli.run(["migrate", "--database-url", database.url], client: false).code == 0)
            // LLM calls reach a stand-in for Anthropic's API on loopback, so that a valid one succeeds.
            let provider = StandInProvider { _, _ in .init(body: StandInProvider.anthropic()) }
            let status = try await provider.run { try await CLI.whileRunning(
                ["server", "--bind", "127.0.0.1:\(port)", "--database-url", database.url],
                environment: [
                    "REPRISE_ADMIN_TOKEN": admin, "LOG_LEVEL": "critical", "ANTHROPIC_BASE_URL": provider.baseURL, "ANTHROPIC_API_KEY": "sk-ant-test",
                    "OPENAI_BASE_URL": provider.baseURL, "OPENAI_API_KEY": "sk-test", "REPRISE_EGRESS_ALLOW": "127.0.0.1",
                ]
            ) {
                try await cli.waitForServer()
                // A refused connection fails at once (no retries), so a dead server ends the fuzz quickly.
                var configuration = HTTPClient.Configuration()
                configuration.timeout.connect = .seconds(2)
                configuration.connectionPool.retryConnectionEstablishment = false
                try await HTTPClient.withHTTPClient(configuration: configuration) { http in
                    let client = Client(http: http, base: "http://127.0.0.1:\(port)")
                    let vault = try await client.seedVault(admin: admin)
                    let tokens = [admin, try await client.token(admin: admin, role: "writer"), try await client.token(admin: admin, role: "reader"), nil, "rp_forged"]
                    let tallies = Tallies()
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for lane in 0..<Self.concurrency {
                            group.addTask {
                                var generator = FuzzRequests(seed: UInt64(lane) &* 7_919 &+ 1, protectedNamespace: "vault")
                                for index in 0..<(Self.requestCount / Self.concurrency) {
                                    // A server that stopped answering altogether has died: stop here.
                                    if tallies.state.withLock({ $0.hangs.count }) > 50 { return }
                                    let request = generator.next()
                                    let token = tokens[index % tokens.count]
                                    let outcome = await client.send(request, token: token)
                                    tallies.state.withLock { tally in
                                        tally.requests += 1
                                        if case .answered(let code) = outcome { tally.statuses[code, default: 0] += 1 }
                                        switch outcome {
                                        case .answered(let code) where code >= 500: tally.serverErrors.append("\(code) \(request)")
                                        case .answered: break
                                        case .noAnswer(let why): tally.hangs.append("\(why): \(request)")
                                        }
                                    }
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    let result = tallies.state.withLock { $0 }
                    print("fuzz: \(result.requests) requests, \(result.serverErrors.count) 5xx, \(result.hangs.count) hangs")
                    print("fuzz: answers by status: \(result.statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " "))")
                    #expect(
                        (result.statuses[200] ?? 0) + (result.statuses[201] ?? 0) > 1_000 && (result.statuses[400] ?? 0) > 500,
                        "the requests get past the routes' checks into their code")
                    #expect(result.requests >= Self.requestCount || !result.hangs.isEmpty)
                    #expect(result.serverErrors.isEmpty, "\(result.serverErrors.prefix(10))")
                    #expect(result.hangs.isEmpty, "\(result.hangs.prefix(10))")
                    #expect(try await client.get("/healthz", token: nil).code == 200, "the server is alive")
                    #expect(try await client.seededState(admin: admin) == vault, "the namespace no request named is unchanged")
                }
            } }
            #expect(status == .exited(0), "the server lived through the fuzz and shut down gracefully")
        }
    }

    /// Talks HTTP to the server under test.
    struct Client: Sendable {
        enum Outcome { case answered(Int), noAnswer(String) }

        let http: HTTPClient
        let base: String

        func send(_ request: FuzzRequests.Request, token: String?) async -> Outcome {
            var http = HTTPClientRequest(url: base + request.path)
            http.method = HTTPMethod(rawValue: request.method)
            if let token { http.headers.add(name: "Authorization", value: "Bearer \(token)") }
            if let body = request.body {
                http.headers.add(name: "Content-Type", value: "application/json")
                http.body = .bytes(ByteBuffer(bytes: body))
            }
            do {
                let response = try await self.http.execute(http, timeout: .seconds(5))
                _ = try await response.body.collect(upTo: 64 << 20)
                return .answered(Int(response.status.code))
            } catch {
                return .noAnswer("\(error)")
            }
        }

        func get(_ path: String, token: String?) async throws -> (code: Int, json: JSONValue) {
            try await call("GET", path, token: token, body: nil)
        }

        func call(_ method: String, _ path: String, token: String?, body: String?) async throws -> (code: Int, json: JSONValue) {
            var request = HTTPClientRequest(url: base + path)
            request.method = HTTPMethod(rawValue: method)
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: body))
            }
            let response = try await http.execute(request, timeout: .seconds(10))
            let bytes = try await response.body.collect(upTo: 64 << 20)
            return (Int(response.status.code), (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes))) ?? .null)
        }

        func token(admin: String, role: String) async throws -> String {
            let (_, json) = try await call("POST", "/api/v1/namespaces/default/tokens", token: admin, body: #"{"role":"\#(role)"}"#)
            guard case .string(let token)? = json["token"] else { throw CLIError(message: "no \(role) token: \(json)") }
            return token
        }

        /// A namespace with a run and a signal in it, which no fuzz request names.
        func seedVault(admin: String) async throws -> [JSONValue] {
            #expect(try await call("POST", "/api/v1/namespaces", token: admin, body: #"{"name":"vault"}"#).code == 201)
            #expect(
                try await call("POST", "/api/v1/namespaces/vault/workflows", token: admin, body: #"{"workflowId":"seed","type":"Waiter","input":1}"#).code
                    == 201)
            #expect(try await call("POST", "/api/v1/namespaces/vault/workflows/seed/signals/approve", token: admin, body: #""kept""#).code == 202)
            return try await seededState(admin: admin)
        }

        func seededState(admin: String) async throws -> [JSONValue] {
            [
                try await get("/api/v1/namespaces/vault/workflows", token: admin).json,
                try await get("/api/v1/namespaces/vault/workflows/seed", token: admin).json,
                try await get("/api/v1/namespaces/vault/workflows/seed/history", token: admin).json,
            ]
        }
    }
}
