import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Workflow

/// The runner's HTTP client of the servers' API, as a user's would be: a call goes to one server
/// and, when that server is down or answers 503, is sent again to the next one, with the same
/// request id, until it is answered or its deadline passes.
struct ChaosAPI: Sendable {
    struct Answer: Sendable {
        var status: Int
        var body: JSONValue
    }

    let servers: [String]
    let http: HTTPClient
    static let base = "/api/v1/namespaces/default"

    /// - Parameter connectionsPerServer: the client's pool, as a user's application has one; more
    ///   requests at once wait in the client.
    ///   A request waits for a connection as long as it may wait to connect.
    init(servers: [String], connectionsPerServer: Int = 512, connectTimeout: TimeAmount = .seconds(10)) {
        self.servers = servers
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: connectTimeout, read: .seconds(40))
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerServer)
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// One request to one server; a transport failure is an answer with status 0.
    func once(_ method: HTTPMethod, _ path: String, server: String, body: JSONValue? = nil, headers: [(String, String)] = [])
        async -> Answer
    {
        var request = HTTPClientRequest(url: server + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: (try? JSONEncoder().encode(body)) ?? Data()))
        }
        do {
            let response = try await http.execute(request, timeout: .seconds(40))
            let bytes = try await response.body.collect(upTo: 16 << 20)
            let json = (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes))) ?? .null
            return Answer(status: Int(response.status.code), body: json)
        } catch {
            return Answer(status: 0, body: .string(String(describing: error)))
        }
    }

    /// The request, sent to the servers in turn until one answers with anything but a transport
    /// failure or a 503, or `deadline` passes (then the last answer).
    func call(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil, headers: [(String, String)] = [], deadline: Duration = .seconds(120))
        async -> Answer
    {
        let end = ContinuousClock.now + deadline
        var turn = Int.random(in: 0..<servers.count)
        while true {
            let answer = await once(method, path, server: servers[turn % servers.count], body: body, headers: headers)
            if (answer.status != 0 && answer.status != 503) || ContinuousClock.now > end || Task.isCancelled { return answer }
            turn += 1
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    func start(type: String, id: String, input: JSONValue, requestId: String, conflict: String? = nil) async -> Answer {
        var body: [String: JSONValue] = [
            "workflowId": .string(id), "type": .string(type), "taskQueue": .string("main"), "input": input, "requestId": .string(requestId),
        ]
        if let conflict { body["idConflictPolicy"] = .string(conflict) }
        return await call(.POST, "\(Self.base)/workflows", body: .object(body))
    }

    func signal(id: String, name: String, payload: JSONValue, requestId: String) async -> Answer {
        await call(.POST, "\(Self.base)/workflows/\(id)/signals/\(name)", body: payload, headers: [("Request-Id", requestId)])
    }

    func cancel(id: String) async -> Answer { await call(.POST, "\(Self.base)/workflows/\(id)/cancel") }

    func describe(id: String) async -> Answer { await call(.GET, "\(Self.base)/workflows/\(id)") }

    /// The pending dead letters: their ids and workflow ids.
    func pendingDeadLetters() async -> [(id: String, workflowId: String)] {
        let answer = await call(.GET, "/api/v1/namespaces/default/dead-letters?state=Pending&limit=1000")
        guard case .array(let letters)? = answer.body["deadLetters"] else { return [] }
        return letters.compactMap { letter in
            guard case .string(let id)? = letter["id"], case .string(let workflowId)? = letter["workflowId"] else { return nil }
            return (id, workflowId)
        }
    }

    func retryDeadLetter(id: String) async -> Answer { await call(.POST, "/api/v1/namespaces/default/dead-letters/\(id)/retry") }

    /// Waits (a server's long-poll, again after each answer) until the run closes; its close event.
    func waitForClose(id: String, deadline: Duration) async -> JSONValue? {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end && !Task.isCancelled {
            let answer = await call(.GET, "\(Self.base)/workflows/\(id)/history?wait=true&filter=close", deadline: .seconds(5))
            if answer.status == 200, case .array(let events)? = answer.body["events"], let close = events.first { return close }
            if answer.status != 200 { try? await Task.sleep(for: .milliseconds(100)) }
        }
        return nil
    }

    func shutdown() async { try? await http.shutdown() }
}
