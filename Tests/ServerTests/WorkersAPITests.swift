import Foundation
import RepriseTesting
import Testing
import Workers
import Workflow

@testable import Server

/// `GET /api/v1/namespaces/{ns}/workers` and the start's warning when no live worker serves the
/// type (issue 18).
@Suite("HTTP API: live workers")
struct WorkersAPITests {
    static let base = "/api/v1/namespaces/default"

    /// The identities the route lists in `namespace`.
    private func listed(_ api: APIHarness, _ namespace: String = "default", token: String?? = .none) async throws -> [String] {
        let reply = try await api.send(.get, "/api/v1/namespaces/\(namespace)/workers", token: token)
        guard reply.status == 200, case .array(let workers)? = reply.json["workers"] else { throw TestEnvironmentError(message: reply.text) }
        return workers.compactMap { if case .string(let identity)? = $0["identity"] { identity } else { nil } }
    }

    @Test func aReaderListsTheLiveWorkersOfItsNamespaceOnly() async throws {
        try await APIHarness.run { api in
            #expect(try await api.send(.post, "/api/v1/namespaces", body: #"{"name":"team-b"}"#).status == 201)
            api.env.launchWorker(identity: "worker-of-b", namespaces: ["team-b"])
            let reader = try await api.token("default", "reader")
            try await api.env.waitUntil("both workers heartbeat") {
                let inDefault = try await listed(api)
                let inB = try await listed(api, "team-b")
                return inDefault == ["test-worker"] && inB == ["worker-of-b"]
            }
            let reply = try await api.send(.get, "\(Self.base)/workers", token: .some(reader))
            #expect(reply.status == 200, "\(reply.text)")
            let worker = try #require(reply.json["workers"]?.arrayValue.first)
            #expect(worker["identity"] == .string("test-worker"))
            #expect(worker["namespace"] == .string("default"))
            #expect(worker["taskQueue"] == .string("main"))
            #expect(worker["workflowTypes"] == .array([.string("Charger"), .string("Waiter")]))
            #expect(worker["activityTypes"] == .array([.string("Charge")]))
            #expect(worker["build"] == .string(Worker.Configuration.defaultBuild))
            #expect(worker["lastSeen"] != nil)
            // team-b's worker is never listed in default, nor default's in team-b; a default
            // token does not learn that team-b exists.
            #expect(try await listed(api, "team-b").contains("test-worker") == false)
            let foreign = try await api.send(.get, "/api/v1/namespaces/team-b/workers", token: .some(reader))
            #expect(foreign.status == 404, "\(foreign.text)")
            #expect(foreign.json["error"]?["code"] == .string("NamespaceNotFound"))
        }
    }

    @Test func hostileRequestsToTheWorkersRouteAreRefused() async throws {
        try await APIHarness.run { api in
            let path = "\(Self.base)/workers"
            #expect(try await api.send(.get, path, token: .some(nil)).status == 401)
            #expect(try await api.send(.get, path, token: .some("rp_not-a-token")).status == 401)
            #expect(try await api.send(.get, path, token: .some("")).status == 401)
            let missing = try await api.send(.get, "/api/v1/namespaces/no-such-namespace/workers")
            #expect(missing.status == 404 && missing.json["error"]?["code"] == .string("NamespaceNotFound"), "\(missing.text)")
            for bad in ["bad%20name", String(repeating: "n", count: 300), "%00", "..%2F..", "%F0%9F%92%A5"] {
                let reply = try await api.send(.get, "/api/v1/namespaces/\(bad)/workers")
                #expect((400..<500).contains(reply.status), "\(bad.prefix(20)): \(reply.status) \(reply.text)")
                #expect(reply.json["error"]?["code"] != nil, "\(reply.text)")
            }
        }
    }

    /// No worker runs: the start is accepted, and it and `describe` warn, naming the type and the
    /// queue. Once a worker for the type is live, neither does.
    @Test func aStartOfATypeNoLiveWorkerServesWarnsUntilOneDoes() async throws {
        try await APIHarness.run(startWorker: false, configure: { $0.liveWorkersRefresh = .milliseconds(100) }) { api in
            let body = #"{"workflowId":"lonely","type":"Waiter","input":"x","idConflictPolicy":"UseExisting"}"#
            func warnings(_ reply: APIHarness.Reply) -> [String] {
                (reply.json["warnings"]?.arrayValue ?? []).compactMap { if case .string(let text) = $0 { text } else { nil } }
                    .filter { $0.contains("no live worker") }
            }
            // The server's view of the workers loads in the background; a start before it warns nothing.
            var started = try await api.send(.post, "\(Self.base)/workflows", body: body)
            try await api.env.waitUntil("the start warns") {
                started = try await api.send(.post, "\(Self.base)/workflows", body: body)
                return !warnings(started).isEmpty
            }
            #expect([200, 201].contains(started.status), "\(started.text)")
            let warning = try #require(warnings(started).first)
            #expect(warning.contains("\"Waiter\"") && warning.contains("\"main\"") && warning.contains("\"default\""), "\(warning)")
            let described = try await api.send(.get, "\(Self.base)/workflows/lonely")
            #expect(warnings(described) == [warning])

            api.env.launchWorker()
            try await api.env.waitUntil("describe stops warning") {
                warnings(try await api.send(.get, "\(Self.base)/workflows/lonely")).isEmpty
            }
            let served = try await api.send(.post, "\(Self.base)/workflows", body: #"{"workflowId":"served","type":"Waiter","input":"y"}"#)
            #expect(served.status == 201, "\(served.text)")
            #expect(served.json["warnings"] == .array([]))
            // Another type on the same queue still warns: the worker does not serve it.
            try await api.env.waitUntil("an unserved type warns") {
                let other = try await api.send(
                    .post, "\(Self.base)/workflows", body: #"{"workflowId":"other","type":"NoSuchType","idConflictPolicy":"UseExisting"}"#)
                return warnings(other).first?.contains("\"NoSuchType\"") == true
            }
        }
    }
}
