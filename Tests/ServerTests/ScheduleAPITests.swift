import Foundation
import RepriseTesting
@testable import Server
import Store
import Testing
import Workflow

/// The schedule routes over real HTTP: the lifecycle, roles, namespaces and hostile input.
@Suite("HTTP API: schedules")
struct ScheduleAPITests {
    static let base = "/api/v1/namespaces/default/schedules"
    static let create = #"{"scheduleId":"digest","spec":{"interval":"1m"},"action":{"type":"Waiter","input":"x"},"overlapPolicy":"AllowAll","note":"hi"}"#

    @Test func createDescribeFireTriggerBackfillPauseAndDelete() async throws {
        try await APIHarness.run { api in
            let created = try await api.send(.post, Self.base, body: Self.create)
            #expect(created.status == 201, "\(created.text)")
            #expect(try await api.send(.post, Self.base, body: Self.create).status == 409)

            var described = try await api.send(.get, "\(Self.base)/digest")
            #expect(described.status == 200, "\(described.text)")
            #expect(described.json["overlapPolicy"] == .string("AllowAll"))
            #expect(described.json["state"]?["paused"] == .bool(false) && described.json["state"]?["note"] == .string("hi"))
            #expect(described.json["action"]?["taskQueue"] == .string("main"), "the server's default task queue")
            #expect(described.json["info"]?["nextActionTimes"]?.arrayValue.count == 5)

            // The first tick fires on the virtual clock and its run shows in describe.
            let next = try #require(try await api.env.store.describeSchedule(namespace: "default", scheduleId: "digest").schedule.nextActionTime)
            api.env.clock.advance(to: next.addingTimeInterval(0.01))
            try await api.env.waitUntil("the tick fires") {
                try await api.send(.get, "\(Self.base)/digest").json["info"]?["recentActions"]?.arrayValue.count == 1
            }
            described = try await api.send(.get, "\(Self.base)/digest")
            let action = try #require(described.json["info"]?["recentActions"]?.arrayValue.first)
            #expect(action["workflowId"].map { $0.compactDescription.contains("digest-") } == true)
            #expect(action["scheduledTime"] != nil && action["actualTime"] != nil && action["runId"] != nil)
            #expect(described.json["info"]?["runningWorkflows"]?.arrayValue.count == 1)

            // A trigger in the tick's second would have the tick's workflow id (and be skipped).
            api.env.clock.advance(by: .seconds(1))
            let triggered = try await api.send(.post, "\(Self.base)/digest/trigger")
            #expect(triggered.status == 200 && triggered.json["started"]?.arrayValue.count == 1, "\(triggered.text)")
            let backfill = try await api.send(
                .post, "\(Self.base)/digest/backfill", body: #"{"startTime":"2024-01-01T00:00:00Z","endTime":"2024-01-01T00:02:00Z"}"#)
            #expect(backfill.status == 200 && backfill.json["started"]?.arrayValue.count == 3, "\(backfill.text)")
            let tooWide = try await api.send(
                .post, "\(Self.base)/digest/backfill", body: #"{"startTime":"2024-01-01T00:00:00Z","endTime":"2025-01-01T00:00:00Z"}"#)
            #expect(tooWide.status == 400 && tooWide.text.contains("1000"), "\(tooWide.text)")

            #expect(try await api.send(.post, "\(Self.base)/digest/pause", body: #"{"note":"quiet week"}"#).status == 200)
            described = try await api.send(.get, "\(Self.base)/digest")
            #expect(described.json["state"]?["paused"] == .bool(true) && described.json["state"]?["note"] == .string("quiet week"))
            #expect(try await api.send(.post, "\(Self.base)/digest/unpause").status == 200)

            let listed = try await api.send(.get, Self.base)
            #expect(listed.json["schedules"]?.arrayValue.count == 1)
            #expect(try await api.send(.delete, "\(Self.base)/digest").status == 200)
            #expect(try await api.send(.get, "\(Self.base)/digest").status == 404)
            #expect(try await api.send(.delete, "\(Self.base)/digest").status == 404)
        }
    }

    @Test func badSpecsAndIdsAre400sNamingTheField() async throws {
        try await APIHarness.run { api in
            let cases: [(String, String)] = [
                (#"{"scheduleId":"a","spec":{},"action":{"type":"Waiter"}}"#, "spec"),
                (#"{"scheduleId":"a","spec":{"interval":"0s"},"action":{"type":"Waiter"}}"#, "spec.interval"),
                (#"{"scheduleId":"a","spec":{"interval":"soon"},"action":{"type":"Waiter"}}"#, "interval"),
                (#"{"scheduleId":"a","spec":{"interval":60,"timezone":"Mars/Olympus"},"action":{"type":"Waiter"}}"#, "spec.timezone"),
                (#"{"scheduleId":"a","spec":{"cron":["not a cron"]},"action":{"type":"Waiter"}}"#, "spec.cron"),
                (#"{"scheduleId":"a","spec":{"interval":60},"action":{"type":"Waiter"},"overlapPolicy":"Sometimes"}"#, "overlapPolicy"),
                (#"{"scheduleId":"a","spec":{"interval":60},"action":{"type":"Waiter"},"catchupWindow":-5}"#, "catchupWindow"),
                (#"{"scheduleId":"a\u0007","spec":{"interval":60},"action":{"type":"Waiter"}}"#, "scheduleId"),
                (#"{"scheduleId":"\#(String(repeating: "a", count: 990))","spec":{"interval":60},"action":{"type":"Waiter"}}"#, "scheduleId"),
                (#"{"scheduleId":"a","spec":{"interval":60},"action":{"type":""}}"#, "action.type"),
                (#"{"scheduleId":"a","spec":{"interval":60},"action":{"type":"Waiter","input":"\u0000"}}"#, "action.input"),
                (#"{"scheduleId":"a","spec":{"interval":60},"action":{"type":"Waiter"},"note":"\u0000"}"#, "note"),
                ("{not json", "JSON"),
            ]
            for (body, field) in cases {
                let reply = try await api.send(.post, Self.base, body: body)
                #expect(reply.status == 400, "\(body.prefix(80)): \(reply.status) \(reply.text)")
                #expect(reply.text.contains(field), "\(body.prefix(80)) should name \(field): \(reply.text)")
            }
            let huge = #"{"scheduleId":"a","spec":{"interval":60},"action":{"type":"Waiter","input":""# + String(repeating: "x", count: 3_000_000) + #""}}"#
            #expect(try await api.send(.post, Self.base, body: huge).status == 413)
            // The farthest a spec reaches is still a time Postgres stores: accepted, never a 5xx.
            let far = try await api.send(
                .post, Self.base,
                body: #"{"scheduleId":"far","spec":{"interval":3155760000,"startAt":"9999-12-31T23:59:59Z"},"action":{"type":"Waiter"}}"#)
            #expect(far.status == 201, "\(far.text)")
            #expect(try await api.send(.get, "\(Self.base)/far").status == 200)
            let tooFar = try await api.send(.post, Self.base, body: #"{"scheduleId":"far2","spec":{"interval":1e300},"action":{"type":"Waiter"}}"#)
            #expect(tooFar.status == 400 && tooFar.text.contains("spec.interval"), "\(tooFar.text)")
            #expect(try await api.send(.get, "\(Self.base)/nothing").status == 404)
            #expect(try await api.send(.post, "\(Self.base)/nothing/trigger").status == 404)
            let bell = try await api.send(.get, "\(Self.base)/%07bell")
            #expect((400..<500).contains(bell.status), "\(bell.text)")
        }
    }

    /// As a start does, a create warns when no live worker serves the action's type on its queue.
    @Test func aScheduleOfATypeNoLiveWorkerServesWarns() async throws {
        try await APIHarness.run(startWorker: false, configure: { $0.liveWorkersRefresh = .milliseconds(100) }) { api in
            var created = APIHarness.Reply(status: 0, json: .null, text: "")
            var attempt = 0
            // The server's view of the workers loads in the background; a create before it warns nothing.
            try await api.env.waitUntil("a create warns") {
                attempt += 1
                created = try await api.send(
                    .post, Self.base, body: #"{"scheduleId":"lonely-\#(attempt)","spec":{"interval":60},"action":{"type":"Nobody"}}"#)
                return created.json["warnings"]?.arrayValue.isEmpty == false
            }
            #expect(created.status == 201, "\(created.text)")
            let warning = created.json["warnings"]?.arrayValue.first?.compactDescription ?? ""
            #expect(warning.contains("no live worker") && warning.contains("Nobody") && warning.contains("main"), "\(warning)")
        }
    }

    @Test func rolesAndNamespacesBoundWhoSeesAndActs() async throws {
        try await APIHarness.run { api in
            #expect(try await api.send(.post, "/api/v1/namespaces", body: #"{"name":"other"}"#).status == 201)
            let reader = try await api.token("default", "reader")
            let writer = try await api.token("default", "writer")
            let otherAdmin = try await api.token("other", "operator")
            #expect(try await api.send(.post, Self.base, token: .some(reader), body: Self.create).status == 403)
            #expect(try await api.send(.post, Self.base, token: .some(writer), body: Self.create).status == 201)
            #expect(try await api.send(.get, "\(Self.base)/digest", token: .some(reader)).status == 200)
            #expect(try await api.send(.post, "\(Self.base)/digest/pause", token: .some(writer)).status == 403)
            #expect(try await api.send(.delete, "\(Self.base)/digest", token: .some(writer)).status == 403)
            // A schedule in default is invisible from other, even to other's operator.
            let other = "/api/v1/namespaces/other/schedules"
            #expect(try await api.send(.get, "\(other)/digest", token: .some(otherAdmin)).status == 404)
            #expect(try await api.send(.get, other, token: .some(otherAdmin)).json["schedules"]?.arrayValue.isEmpty == true)
            #expect(try await api.send(.delete, "\(other)/digest", token: .some(otherAdmin)).status == 404)
            let crossed = try await api.send(.get, "\(Self.base)/digest", token: .some(otherAdmin))
            #expect(crossed.status == 404, "\(crossed.status) \(crossed.text)")
            #expect(try await api.send(.get, "\(Self.base)/digest").status == 200, "still there")
        }
    }
}
