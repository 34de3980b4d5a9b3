import Foundation
import RepriseTesting
import Store
import Testing
import Workflow

/// Takes deposits by update (each charges through an activity), until signaled to close.
struct Ledger: Workflow {
    static let deposit = UpdateDefinition<Int, Int>("deposit")
    static let balance = QueryDefinition<NoInput, Int>("balance")
    static let close = SignalDefinition<NoInput>("close")

    func run(context: WorkflowContext, input: Int) async throws -> Int {
        let balance = Tally.Total(input)
        context.setQueryHandler(Self.balance) { _ in balance.value }
        context.setUpdateHandler(
            Self.deposit,
            validator: { amount in
                guard amount > 0 else { throw ApplicationFailure("a deposit must be positive, not \(amount)", type: "InvalidDeposit") }
            }
        ) { amount in
            _ = try await context.execute(Charge.self, amount, options: ActivityOptions(startToCloseTimeout: .seconds(10)))
            if amount == 13 { throw ApplicationFailure("thirteen is unlucky", type: "Unlucky") }
            balance.add(amount)
            return balance.value
        }
        _ = try await context.waitForSignal(Self.close)
        return balance.value
    }
}

/// Ledger's code without the charge: its histories with deposits do not replay on it.
struct LedgerWithoutCharge: Workflow {
    static let name = "Ledger"

    func run(context: WorkflowContext, input: Int) async throws -> Int {
        let balance = Tally.Total(input)
        context.setUpdateHandler(Ledger.deposit) { amount in
            balance.add(amount)
            return balance.value
        }
        _ = try await context.waitForSignal(Ledger.close)
        return balance.value
    }
}

@Suite("Updates over HTTP (issue 20)")
struct UpdateAPITests {
    static let path = "/api/v1/namespaces/default/workflows"

    static func ledger(_ api: APIHarness, _ id: String, input: Int) async throws {
        try await api.env.start(Ledger.self, id: id, input: input)
        try await api.env.waitUntil("the first workflow task completes") { try await api.env.describe(id).historyLength >= 4 }
    }

    static func count(_ events: [HistoryEvent], _ type: EventType) -> Int { events.filter { $0.eventType == type }.count }

    @Test("an accepted update writes UpdateAccepted then UpdateCompleted and answers the handler's result")
    func accepted() async throws {
        try await APIHarness.run(workflows: [Ledger.self]) { api in
            try await Self.ledger(api, "l1", input: 10)
            let reply = try await api.send(.post, "\(Self.path)/l1/updates/deposit", body: #"{"args": 5, "updateId": "u1"}"#)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["updateId"] == .string("u1"))
            #expect(reply.json["stage"] == .string("completed"))
            #expect(reply.json["result"] == .int(15))
            let history = try await api.env.history("l1")
            let accepted = try #require(history.firstIndex { $0.eventType == .workflowExecutionUpdateAccepted })
            let completed = try #require(history.firstIndex { $0.eventType == .workflowExecutionUpdateCompleted })
            #expect(accepted < completed)
            guard case .workflowExecutionUpdateAccepted(let request) = history[accepted].attributes,
                case .workflowExecutionUpdateCompleted(let outcome) = history[completed].attributes
            else { throw TestEnvironmentError(message: "not update events") }
            #expect(request.protocolInstanceId == "u1")
            #expect(request.acceptedRequest.meta.updateId == "u1")
            #expect(request.acceptedRequest.input.name == "deposit")
            #expect(request.acceptedRequest.input.args == .int(5))
            #expect(outcome.meta.updateId == "u1")
            #expect(outcome.acceptedEventId == history[accepted].eventId)
            #expect(outcome.outcome.success == .int(15))
            #expect(try await api.env.query("l1", Ledger.balance, NoInput()) == 15)
        }
    }

    @Test("a rejected update leaves no trace in history and answers the validator's error")
    func rejected() async throws {
        try await APIHarness.run(workflows: [Ledger.self]) { api in
            try await Self.ledger(api, "l2", input: 10)
            let before = try await api.env.history("l2")
            let reply = try await api.send(.post, "\(Self.path)/l2/updates/deposit", body: #"{"args": -3}"#)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["stage"] == .string("completed"))
            #expect(reply.json["failure"]?["type"] == .string("UpdateRejected"))
            #expect(reply.json["failure"]?["message"] == .string("a deposit must be positive, not -3"))
            let unknown = try await api.send(.post, "\(Self.path)/l2/updates/withdraw", body: #"{"args": 3}"#)
            #expect(unknown.json["failure"]?["message"] == .string("workflow Ledger has no update withdraw; known updates: deposit"))
            let wrongType = try await api.send(.post, "\(Self.path)/l2/updates/deposit", body: #"{"args": "five"}"#)
            #expect(wrongType.json["failure"]?["type"] == .string("UpdateRejected"))
            #expect(try await api.env.history("l2") == before, "nothing was written")
            #expect(try await api.env.query("l2", Ledger.balance, NoInput()) == 10)
        }
    }

    @Test("a repeated update id answers the first outcome and does not run the handler again")
    func repeated() async throws {
        try await APIHarness.run(workflows: [Ledger.self]) { api in
            try await Self.ledger(api, "l3", input: 0)
            let first = try await api.send(.post, "\(Self.path)/l3/updates/deposit", body: #"{"args": 7, "updateId": "same"}"#)
            #expect(first.json["result"] == .int(7), "\(first.text)")
            // The same id with other arguments: the first outcome, nothing run.
            let again = try await api.send(.post, "\(Self.path)/l3/updates/deposit", body: #"{"args": 9, "updateId": "same"}"#)
            #expect(again.status == 200)
            #expect(again.json["result"] == .int(7))
            let history = try await api.env.history("l3")
            #expect(Self.count(history, .workflowExecutionUpdateAccepted) == 1)
            #expect(Self.count(history, .activityTaskScheduled) == 1, "the handler ran once")
            #expect(try await api.env.query("l3", Ledger.balance, NoInput()) == 7)
        }
    }

    @Test("a handler's failure is the update's, not the run's; waitForStage accepted answers before the handler ends")
    func handlerFailureAndStages() async throws {
        try await APIHarness.run(workflows: [Ledger.self]) { api in
            try await Self.ledger(api, "l4", input: 1)
            let unlucky = try await api.send(.post, "\(Self.path)/l4/updates/deposit", body: #"{"args": 13}"#)
            #expect(unlucky.json["stage"] == .string("completed"), "\(unlucky.text)")
            #expect(unlucky.json["failure"]?["type"] == .string("Unlucky"))
            #expect(try await api.env.describe("l4").status == .running)
            let accepted = try await api.send(.post, "\(Self.path)/l4/updates/deposit", body: #"{"args": 2, "updateId": "a", "waitForStage": "accepted"}"#)
            #expect(accepted.json["stage"] == .string("accepted"), "\(accepted.text)")
            #expect(accepted.json["result"] == nil)
            let completed = try await api.send(.post, "\(Self.path)/l4/updates/deposit", body: #"{"updateId": "a"}"#)
            #expect(completed.json["stage"] == .string("completed"))
            #expect(completed.json["result"] == .int(3))
            try await api.env.signal("l4", Ledger.close, NoInput())
            #expect(try await api.env.result(Ledger.self, id: "l4") == 3)
        }
    }

    @Test("update-with-start: the start carries an update, answered with the run")
    func withStart() async throws {
        try await APIHarness.run(workflows: [Ledger.self]) { api in
            let reply = try await api.send(
                .post, Self.path,
                body: #"{"workflowId": "l5", "type": "Ledger", "input": 10, "update": {"name": "deposit", "args": 2, "updateId": "first"}}"#)
            #expect(reply.status == 201, "\(reply.text)")
            #expect(reply.json["runId"] != nil)
            #expect(reply.json["update"]?["updateId"] == .string("first"))
            #expect(reply.json["update"]?["result"] == .int(12))
            let rejected = try await api.send(
                .post, Self.path, body: #"{"workflowId": "l6", "type": "Ledger", "input": 1, "update": {"name": "deposit", "args": 0}}"#)
            #expect(rejected.status == 201)
            #expect(rejected.json["update"]?["failure"]?["type"] == .string("UpdateRejected"))
        }
    }

    @Test("hostile input: bad stage, bad JSON, long ids, a closed run")
    func hostile() async throws {
        try await APIHarness.run(workflows: [Ledger.self]) { api in
            try await Self.ledger(api, "l7", input: 1)
            #expect(try await api.send(.post, "\(Self.path)/l7/updates/deposit", body: #"{"args": 1, "waitForStage": "done"}"#).status == 400)
            #expect(try await api.send(.post, "\(Self.path)/l7/updates/deposit", body: "{nope").status == 400)
            let longId = String(repeating: "u", count: 2000)
            #expect(try await api.send(.post, "\(Self.path)/l7/updates/deposit", body: #"{"args": 1, "updateId": "\#(longId)"}"#).status == 400)
            #expect(try await api.send(.post, "\(Self.path)/nobody/updates/deposit", body: #"{"args": 1}"#).status == 404)
            let reader = try await api.token("default", "reader")
            #expect(try await api.send(.post, "\(Self.path)/l7/updates/deposit", token: reader, body: #"{"args": 1}"#).status == 403)
            try await api.env.signal("l7", Ledger.close, NoInput())
            _ = try await api.env.waitForClose("l7")
            let closed = try await api.send(.post, "\(Self.path)/l7/updates/deposit", body: #"{"args": 1}"#)
            #expect(closed.status == 409, "\(closed.text)")
        }
    }

    @Test("a history with updates replays on the same code, and fails on code whose handler schedules otherwise")
    func replay() async throws {
        try await APIHarness.run(workflows: [Ledger.self]) { api in
            try await Self.ledger(api, "l8", input: 0)
            for amount in [1, 13, 2] {
                _ = try await api.send(.post, "\(Self.path)/l8/updates/deposit", body: #"{"args": \#(amount)}"#)
            }
            try await api.env.signal("l8", Ledger.close, NoInput())
            #expect(try await api.env.result(Ledger.self, id: "l8") == 3)
            let history = History(events: try await api.env.history("l8"))
            #expect(Self.count(history.events, .workflowExecutionUpdateCompleted) == 3)
            let replayed = try WorkflowReplayer(registry: WorkflowRegistry([Ledger.self])).replay(history)
            #expect(replayed.isFinished)
            #expect(throws: WorkflowTaskError.self) {
                try WorkflowReplayer(registry: WorkflowRegistry([LedgerWithoutCharge.self])).replay(history)
            }
        }
    }
}
