import Foundation
import PostgresNIO
import RepriseTesting
import Server
import Store
import Synchronization
import Testing
import Workflow

/// Adds the signaled numbers to its input until it is signaled 0, answering queries meanwhile.
struct Tally: Workflow {
    static let total = QueryDefinition<NoInput, Int>("total")
    static let add = SignalDefinition<Int>("add")

    func run(context: WorkflowContext, input: Int) async throws -> Int {
        let total = Total(input)
        context.setQueryHandler(Self.total) { _ in total.value }
        context.setQueryHandler("echo", as: String.self) { text in "\(text) at \(total.value)" }
        // Tries to record a side effect: a query may not.
        context.setQueryHandler("record", as: NoInput.self) { _ in try context.sideEffect { 1 } }
        // Catches the refusal and answers anyway: the query still fails.
        context.setQueryHandler("sneak", as: NoInput.self) { _ in (try? context.sideEffect { 1 }) ?? 0 }
        context.setQueryHandler("refuse", as: NoInput.self) { _ -> Int in throw ApplicationFailure("not today", type: "Refused") }
        while let amount = try await context.waitForSignal(Self.add), amount != 0 {
            total.add(amount)
        }
        return total.value
    }

    final class Total: Sendable {
        private let state: Mutex<Int>
        init(_ value: Int) { state = Mutex(value) }
        var value: Int { state.withLock { $0 } }
        func add(_ amount: Int) { state.withLock { $0 += amount } }
    }
}

@Suite("Queries over HTTP (issue 20)")
struct QueryAPITests {
    static let path = "/api/v1/namespaces/default/workflows"

    /// Starts a Tally with `input`, signals `add`, and waits until the worker has cached the run
    /// after the signal's workflow task.
    static func started(_ api: APIHarness, _ id: String, input: Int, add: Int, worker: TestEnvironment.RunningWorker) async throws {
        try await api.env.start(Tally.self, id: id, input: input)
        try await api.env.waitUntil("the first workflow task completes") { try await api.env.describe(id).historyLength >= 4 }
        try await api.env.signal(id, Tally.add, add)
        try await api.env.waitUntil("the signal's workflow task completes and the run is cached") {
            let completed = try await api.env.history(id).filter { $0.eventType == .workflowTaskCompleted }.count
            return completed == 2 && worker.worker.cachedRuns == 1
        }
    }

    @Test("a cached run answers from the worker's cache, and the query writes no history")
    func cachedRun() async throws {
        try await APIHarness.run(workflows: [Tally.self], startWorker: false) { api in
            let worker = api.env.launchWorker(identity: "one")
            try await Self.started(api, "t1", input: 10, add: 5, worker: worker)
            let before = try await api.env.history("t1").count
            let reply = try await api.send(.post, "\(Self.path)/t1/queries/total")
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["result"] == .int(15))
            let echo = try await api.send(.post, "\(Self.path)/t1/queries/echo", body: #""hello""#)
            #expect(echo.json["result"] == .string("hello at 15"), "\(echo.text)")
            #expect(worker.worker.statistics.queriesFromCache == 2)
            #expect(worker.worker.statistics.queriesReplayed == 0)
            #expect(try await api.env.history("t1").count == before, "a query writes no history")
            // The run goes on as before the queries.
            try await api.env.signal("t1", Tally.add, 0)
            #expect(try await api.env.result(Tally.self, id: "t1") == 15)
        }
    }

    @Test("a run no worker has cached is replayed by the worker that takes the query")
    func uncachedRun() async throws {
        try await APIHarness.run(workflows: [Tally.self], startWorker: false) { api in
            let first = api.env.launchWorker(identity: "one")
            try await Self.started(api, "t2", input: 1, add: 2, worker: first)
            await first.kill()
            let second = api.env.launchWorker(identity: "two")
            let reply = try await api.send(.post, "\(Self.path)/t2/queries/total")
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["result"] == .int(3))
            #expect(second.worker.statistics.queriesReplayed == 1)
            #expect(second.worker.cachedRuns == 0, "a replay for a query is not cached")
        }
    }

    @Test("a closed run is answered by replay, by run id too")
    func closedRun() async throws {
        try await APIHarness.run(workflows: [Tally.self], startWorker: false) { api in
            let worker = api.env.launchWorker(identity: "one")
            try await Self.started(api, "t3", input: 4, add: 3, worker: worker)
            try await api.env.signal("t3", Tally.add, 0)
            let closed = try await api.env.waitForClose("t3")
            let reply = try await api.send(.post, "\(Self.path)/t3/queries/total?runId=\(closed.runId.uuidString.lowercased())")
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["result"] == .int(7))
            #expect(worker.worker.statistics.queriesReplayed == 1)
            // Through the test environment's typed client as well.
            #expect(try await api.env.query("t3", Tally.total, NoInput()) == 7)
        }
    }

    @Test("an unknown query name is a 400 that lists the known names")
    func unknownName() async throws {
        try await APIHarness.run(workflows: [Tally.self], startWorker: false) { api in
            let worker = api.env.launchWorker(identity: "one")
            try await Self.started(api, "t4", input: 0, add: 1, worker: worker)
            let reply = try await api.send(.post, "\(Self.path)/t4/queries/totl")
            #expect(reply.status == 400)
            #expect(reply.json["error"]?["code"] == .string("QueryNotFound"))
            #expect(reply.json["error"]?["message"] == .string("workflow Tally has no query totl; known queries: echo, record, refuse, sneak, total"))
        }
    }

    @Test("a handler that tries to record history fails the query, even when it catches the refusal, and history is unchanged")
    func notReadOnly() async throws {
        try await APIHarness.run(workflows: [Tally.self], startWorker: false) { api in
            let worker = api.env.launchWorker(identity: "one")
            try await Self.started(api, "t5", input: 2, add: 2, worker: worker)
            let before = try await api.env.history("t5")
            for name in ["record", "sneak"] {
                let reply = try await api.send(.post, "\(Self.path)/t5/queries/\(name)")
                #expect(reply.status == 400, "\(name): \(reply.text)")
                #expect(reply.json["error"]?["code"] == .string("QueryNotReadOnly"), "\(name)")
            }
            let refused = try await api.send(.post, "\(Self.path)/t5/queries/refuse")
            #expect(refused.status == 400)
            #expect(refused.json["error"]?["code"] == .string("QueryFailed"))
            #expect(refused.json["error"]?["message"] == .string("not today"))
            #expect(try await api.env.history("t5").count == before.count, "no event was written")
            // The run is intact: it still counts, and completes.
            #expect(try await api.send(.post, "\(Self.path)/t5/queries/total").json["result"] == .int(4))
            try await api.env.signal("t5", Tally.add, 0)
            #expect(try await api.env.result(Tally.self, id: "t5") == 4)
        }
    }

    @Test("hostile input gets a clear 4xx: a huge body, bad JSON, bad ids, names and arguments")
    func hostileInput() async throws {
        try await APIHarness.run(workflows: [Tally.self], startWorker: false, configure: { $0.maxBodySize = 1024 }) { api in
            let worker = api.env.launchWorker(identity: "one")
            try await Self.started(api, "t6", input: 0, add: 1, worker: worker)
            let huge = try await api.send(.post, "\(Self.path)/t6/queries/echo", body: "\"\(String(repeating: "x", count: 4096))\"")
            #expect(huge.status == 413)
            let bad = try await api.send(.post, "\(Self.path)/t6/queries/echo", body: "{not json")
            #expect(bad.status == 400)
            let badRun = try await api.send(.post, "\(Self.path)/t6/queries/total?runId=nope")
            #expect(badRun.status == 400)
            let missing = try await api.send(.post, "\(Self.path)/nobody/queries/total")
            #expect(missing.status == 404)
            #expect(missing.json["error"]?["code"] == .string("WorkflowNotFound"))
            let longName = try await api.send(.post, "\(Self.path)/t6/queries/\(String(repeating: "q", count: 2000))")
            #expect(longName.status == 400)
            let control = try await api.send(.post, "\(Self.path)/t6/queries/to%01tal")
            #expect(control.status == 400)
            // Arguments of the wrong type are the query's failure, not the worker's.
            let wrongType = try await api.send(.post, "\(Self.path)/t6/queries/echo", body: "42")
            #expect(wrongType.status == 400)
            #expect(wrongType.json["error"]?["code"] == .string("QueryFailed"))
            let noToken = try await api.send(.post, "\(Self.path)/t6/queries/total", token: .some(nil))
            #expect(noToken.status == 401)
            let reader = try await api.token("default", "reader")
            #expect(try await api.send(.post, "\(Self.path)/t6/queries/total", token: reader).status == 200, "a reader may query")
            #expect(try await api.env.history("t6").filter { $0.eventType == .workflowTaskCompleted }.count == 2)
        }
    }

    @Test("with no worker for the run's queue, the query is a 504 within the query timeout, and leaves no row")
    func noWorker() async throws {
        try await APIHarness.run(workflows: [Tally.self], startWorker: false, configure: { $0.queryTimeout = .milliseconds(300) }) { api in
            try await api.env.start(Tally.self, id: "t7", input: 0)
            let began = ContinuousClock.now
            let reply = try await api.send(.post, "\(Self.path)/t7/queries/total")
            #expect(reply.status == 504)
            #expect(reply.json["error"]?["code"] == .string("QueryTimedOut"))
            #expect(reply.text.contains("no worker of task queue main in namespace default"), "\(reply.text)")
            #expect(ContinuousClock.now - began < .seconds(5), "bounded by the timeout, never a hang")
            var rows = 0
            for try await count in try await api.env.store.client.query("SELECT count(*)::int FROM reprise.workflow_queries", logger: api.env.logger)
                .decode(Int.self)
            {
                rows = count
            }
            #expect(rows == 0)
        }
    }
}
