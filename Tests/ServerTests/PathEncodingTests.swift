import Foundation
import Testing
import Workflow

/// Ids that need escaping in a URL: the client percent-encodes them, and every per-run route
/// finds the run by the decoded id.
@Suite("Percent-encoded ids in paths")
struct PathEncodingTests {
    static let id = "order 42/β%?#"
    static var encoded: String { id.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }

    @Test func aWorkflowIdThatNeedsEscapingIsFoundByEveryPerRunRoute() async throws {
        try await APIHarness.run { api in
            let body = String(
                decoding: try JSONEncoder().encode(JSONValue.object(["workflowId": .string(Self.id), "type": .string("Waiter"), "input": .string("x")])),
                as: UTF8.self)
            let started = try await api.send(.post, "/api/v1/namespaces/default/workflows", body: body)
            #expect(started.status == 201, "\(started.text)")
            let path = "/api/v1/namespaces/default/workflows/\(Self.encoded)"
            let described = try await api.send(.get, path)
            #expect(described.status == 200, "\(described.text)")
            #expect(described.json["workflowId"] == .string(Self.id))
            #expect(try await api.send(.get, path + "/history").status == 200)
            let signaled = try await api.send(.post, path + "/signals/approve", body: #""yes""#)
            #expect(signaled.status == 202 || signaled.status == 200, "\(signaled.text)")
            try await api.env.waitUntil("the run completes") { try await api.env.describe(Self.id).status == .completed }
            #expect(try await api.send(.get, path).json["result"] == .string("x: yes"))
        }
    }

    @Test func aSegmentThatIsNotPercentEncodingIsABadRequest() async throws {
        try await APIHarness.run { api in
            let reply = try await api.send(.get, "/api/v1/namespaces/default/workflows/bad%zz")
            #expect(reply.status == 400, "\(reply.text)")
            #expect(reply.text.contains("percent-encoding"))
        }
    }
}
