import Foundation
import Hummingbird
import HummingbirdTesting
import Prometheus
import RepriseTesting
@testable import Server
import Store
import Workflow

/// A real server on a real port over a real database, with a worker running the test workflows.
struct APIHarness: Sendable {
    let env: TestEnvironment
    let server: APIServer
    let client: any TestClientProtocol
    let adminToken: String

    struct Reply: Sendable {
        var status: Int
        var json: JSONValue
        var text: String
    }

    /// Sends a request; `token: nil` sends none, the default sends the admin token.
    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ path: String, token: String?? = .none, body: String? = nil, headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers: HTTPFields = [:]
        let bearer: String? = token ?? adminToken
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        if body != nil { headers[.contentType] = "application/json" }
        for field in extra { headers[field.name] = field.value }
        let response = try await client.executeRequest(
            uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let text = String(buffer: response.body)
        let json = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null
        return Reply(status: Int(response.status.code), json: json, text: text)
    }

    /// Creates a token through the API.
    func token(_ namespace: String, _ role: String) async throws -> String {
        let reply = try await send(.post, "/api/v1/namespaces/\(namespace)/tokens", body: #"{"role":"\#(role)"}"#)
        guard case .string(let token)? = reply.json["token"] else { throw TestEnvironmentError(message: "no token: \(reply.text)") }
        return token
    }

    static func run(
        workflows: [any Workflow.Type] = [Waiter.self, Charger.self], activities: [any Activity] = [Charge()], skipTime: Bool = false,
        insecure: Bool = false, startWorker: Bool = true, limits: Limits = Limits(),
        configure: @Sendable (inout APIServer.Configuration) -> Void = { _ in },
        maxWorkflowTaskAttempts: Int? = nil,
        _ body: @Sendable (APIHarness) async throws -> Void
    ) async throws {
        let adminToken = "admin-" + UUID().uuidString
        try await TestEnvironment.run(
            workflows: workflows, activities: activities, startWorker: startWorker, skipTime: skipTime, limits: limits,
            configure: {
                $0.taskQueue = "main"
                if let maxWorkflowTaskAttempts { $0.maxWorkflowTaskAttempts = maxWorkflowTaskAttempts }
            }
        ) { env in
            var configuration = APIServer.Configuration(insecure: insecure, adminToken: adminToken)
            configuration.limits = limits
            configure(&configuration)
            let api = APIServer(
                store: env.store, clock: env.clock, configuration: configuration,
                metrics: TestObservability.registry, logger: env.logger)
            let app = Application(
                router: api.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), services: api.services)
            try await app.test(.live) { client in
                try await body(APIHarness(env: env, server: api, client: client, adminToken: adminToken))
            }
        }
    }
}

/// Waits for an "approve" signal and returns it.
struct Waiter: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        let answer = try await context.waitForSignal("approve", as: String.self)
        return "\(input): \(answer ?? "")"
    }
}

struct Charge: Activity {
    func run(input: Int) async throws -> String {
        if input < 0 { throw ApplicationFailure("declined", type: "Declined", nonRetryable: true) }
        return "charged \(input)"
    }
}

/// Charges; a negative amount is declined and dead-lettered.
struct Charger: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> String {
        try await context.execute(
            Charge.self, input, options: ActivityOptions(startToCloseTimeout: .seconds(10), deadLetter: true))
    }
}
