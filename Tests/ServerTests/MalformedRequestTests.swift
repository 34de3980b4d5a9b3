import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import RepriseTesting
import Store
import Testing
import Workflow

@Suite("Malformed requests")
struct MalformedRequestTests {
    struct BadRequest: Sendable, CustomStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var body: String?
        var expected: Int
        var description: String { "\(method) \(path) \(body.map { String($0.prefix(60)) } ?? "")" }
    }

    static let base = "/api/v1/namespaces/default"
    static let someId = UUID().uuidString

    static let requests: [BadRequest] = [
        .init(method: .post, path: "\(base)/workflows", body: "not json", expected: 400),
        .init(method: .post, path: "\(base)/workflows", body: "{}", expected: 400),
        .init(method: .post, path: "\(base)/workflows", body: "", expected: 400),
        .init(method: .post, path: "\(base)/workflows", body: "[1,2,3]", expected: 400),
        .init(method: .post, path: "\(base)/workflows", body: "null", expected: 400),
        .init(method: .post, path: "\(base)/workflows", body: #"{"workflowId":1,"type":"Waiter"}"#, expected: 400),
        .init(method: .post, path: "\(base)/workflows", body: #"{"workflowId":"a"}"#, expected: 400),
        .init(method: .post, path: "\(base)/workflows", body: #"{"workflowId":"a","type":{"x":1}}"#, expected: 400),
        .init(method: .post, path: "\(base)/workflows", body: #"{"workflowId":"","type":"Waiter"}"#, expected: 400),
        .init(method: .post, path: "\(base)/workflows", body: #"{"workflowId":"a","type":""}"#, expected: 400),
        .init(method: .post, path: "\(base)/workflows", body: #"{"workflowId":"a","type":"Waiter","taskQueue":""}"#, expected: 400),
        .init(method: .post, path: "\(base)/workflows", body: #"{"workflowId":"a","type":"Waiter","idReusePolicy":"Sometimes"}"#, expected: 400),
        .init(method: .post, path: "\(base)/workflows", body: #"{"workflowId":"a","type":"Waiter","idConflictPolicy":"Whatever"}"#, expected: 400),
        .init(method: .post, path: "\(base)/workflows", body: #"{"workflowId":"a","type":"Waiter","executionTimeout":"soon"}"#, expected: 400),
        .init(method: .post, path: "\(base)/workflows", body: #"{"workflowId":"a","type":"Waiter","executionTimeout":-5}"#, expected: 400),
        .init(method: .post, path: "\(base)/workflows", body: "{\"workflowId\":\"a\",\"type\":\"Waiter\",\"input\":\"" + String(repeating: "x", count: 3 * 1024 * 1024) + "\"}", expected: 413),
        .init(method: .post, path: "\(base)/workflows", body: "\u{1}\u{2}\u{3}", expected: 400),
        .init(method: .post, path: "/api/v1/namespaces/ghost/workflows", body: #"{"workflowId":"a","type":"Waiter"}"#, expected: 404),
        .init(method: .get, path: "\(base)/workflows?status=Bogus", body: nil, expected: 400),
        .init(method: .get, path: "\(base)/workflows?limit=0", body: nil, expected: 400),
        .init(method: .get, path: "\(base)/workflows?limit=abc", body: nil, expected: 400),
        .init(method: .get, path: "\(base)/workflows?limit=100000", body: nil, expected: 400),
        .init(method: .get, path: "\(base)/workflows?pageToken=garbage", body: nil, expected: 400),
        .init(method: .get, path: "\(base)/workflows/x?runId=not-a-uuid", body: nil, expected: 400),
        .init(method: .get, path: "\(base)/workflows/x/history?afterEventId=-1", body: nil, expected: 400),
        .init(method: .get, path: "\(base)/workflows/x/history?wait=maybe", body: nil, expected: 400),
        .init(method: .post, path: "\(base)/workflows/x/signals/go", body: "{", expected: 400),
        .init(method: .post, path: "\(base)/workflows/x/terminate", body: "[", expected: 400),
        .init(method: .post, path: "\(base)/workflows/x/terminate", body: #"{"reason":42}"#, expected: 400),
        .init(method: .post, path: "\(base)/dead-letters/not-a-uuid/retry", body: "{}", expected: 404),
        .init(method: .post, path: "\(base)/dead-letters/\(someId)/resolve", body: "{}", expected: 400),
        .init(method: .post, path: "\(base)/dead-letters/\(someId)/retry", body: "{\"input\":", expected: 400),
        .init(method: .get, path: "\(base)/dead-letters?state=Lost", body: nil, expected: 400),
        .init(method: .post, path: "/api/v1/namespaces", body: #"{"name":""}"#, expected: 400),
        .init(method: .post, path: "/api/v1/namespaces", body: #"{"name":"bad name!"}"#, expected: 400),
        .init(method: .post, path: "/api/v1/namespaces", body: #"{"name":"fine","retentionDays":0}"#, expected: 400),
        .init(method: .post, path: "/api/v1/namespaces", body: #"{"name":"default"}"#, expected: 409),
        .init(method: .post, path: "\(base)/tokens", body: #"{"role":"superuser"}"#, expected: 400),
        .init(method: .post, path: "\(base)/tokens", body: "{}", expected: 400),
        .init(method: .delete, path: "\(base)/workflows", body: nil, expected: 404),
        .init(method: .get, path: "/api/v1/unknown", body: nil, expected: 404),
    ]

    @Test func noMalformedRequestGets5xxOrWritesAnything() async throws {
        #expect(Self.requests.count >= 30)
        try await APIHarness.run { api in
            let before = try await rowCounts(api.env.store)
            for request in Self.requests {
                let reply = try await api.send(request.method, request.path, body: request.body)
                #expect(reply.status == request.expected, "\(request): got \(reply.status) \(reply.text.prefix(200))")
                #expect((400..<500).contains(reply.status), "\(request)")
                guard case .string(let code)? = reply.json["error"]?["code"], case .string(let message)? = reply.json["error"]?["message"] else {
                    Issue.record("\(request): no JSON error body: \(reply.text.prefix(200))")
                    continue
                }
                #expect(!code.isEmpty && !message.isEmpty)
            }
            #expect(try await rowCounts(api.env.store) == before)
        }
    }

    private func rowCounts(_ store: Store) async throws -> [Int] {
        var counts: [Int] = []
        for table in ["namespaces", "workflow_executions", "history_events", "workflow_tasks", "api_tokens", "dead_letters"] {
            for try await count in try await store.client.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM reprise.\(table)")).decode(Int.self) {
                counts.append(count)
            }
        }
        return counts
    }
}
