import Foundation
import Logging
import PostgresNIO
import Synchronization
import Workflow

/// One workflow of the load, and the outcome it was built to reach.
struct Expectation: Sendable {
    enum Kind: String, CaseIterable, Sendable {
        case steps, fanOut, sleeper, approval, trip, flaky, fenced, consult
    }

    var workflowId: String
    var kind: Kind
    var input: JSONValue
    /// The close it must reach: `Completed`, or `Canceled` for the trip the runner cancels.
    var status: String
    /// The result a completed run must return; nil to accept any (an LLM answer, checked apart).
    var result: JSONValue?
    /// The side effects it must have made once each, by step name.
    var effects: [String]
    /// A timer's duration, which its firing must not come before.
    var timerSeconds: Int?

    var type: String {
        switch kind {
        case .steps: Steps.name
        case .fanOut: FanOut.name
        case .sleeper: Sleeper.name
        case .approval: Approval.name
        case .trip: TripSaga.name
        case .flaky: Flaky.name
        case .fenced: Fenced.name
        case .consult: Consult.name
        }
    }

    /// The `n`-th workflow of the load: kinds in turn, parameters drawn from `random`.
    static func make(_ n: Int, maxTimer: Int, random: inout some RandomNumberGenerator) -> Expectation {
        let kind = Kind.allCases[n % Kind.allCases.count]
        let id = "chaos-\(n)-\(kind.rawValue)"
        switch kind {
        case .steps:
            let steps = Int.random(in: 2...4, using: &random)
            return .init(
                workflowId: id, kind: kind, input: .int(Int64(steps)), status: "Completed", result: .string("\(steps) steps"),
                effects: (1...steps).map { "step\($0)" })
        case .fanOut:
            return .init(workflowId: id, kind: kind, input: .string(id), status: "Completed", result: .string("3 branches"), effects: ["a", "b", "c"])
        case .sleeper:
            let seconds = Int.random(in: 1...maxTimer, using: &random)
            return .init(
                workflowId: id, kind: kind, input: .int(Int64(seconds)), status: "Completed", result: .string("slept \(seconds)s"),
                effects: ["woke"], timerSeconds: seconds)
        case .approval:
            return .init(
                workflowId: id, kind: kind, input: .string(id), status: "Completed", result: .string("approved by approver-\(n)"),
                effects: ["approved"])
        case .trip:
            return .init(
                workflowId: id, kind: kind, input: .string(id), status: "Canceled", result: nil,
                effects: ["book-flight", "book-hotel", "cancel-hotel", "cancel-flight"])
        case .flaky:
            return .init(workflowId: id, kind: kind, input: .string(id), status: "Completed", result: nil, effects: ["flaky"])
        case .fenced:
            return .init(workflowId: id, kind: kind, input: .string(id), status: "Completed", result: .string("fence passed"), effects: ["fenced"])
        case .consult:
            return .init(workflowId: id, kind: kind, input: .string(id), status: "Completed", result: .string(StandIn.answer), effects: ["consulted"])
        }
    }
}

/// Starts the load's workflows at a steady rate and plays the operator's part for each: the
/// approval's signal, the trip's cancellation once both bookings are made. The dead letters are
/// retried by ``retryDeadLetters(until:)``.
final class Load: Sendable {
    let api: ChaosAPI
    let database: PostgresClient
    let logger: Logger
    let failures = Mutex<[String]>([])

    init(api: ChaosAPI, database: PostgresClient, logger: Logger) {
        self.api = api
        self.database = database
        self.logger = logger
    }

    /// Starts `expectations` over `duration`, each with its driver; returns when all are started
    /// and driven.
    func run(_ expectations: [Expectation], over duration: Duration) async {
        let gap = duration / max(1, expectations.count)
        await withTaskGroup(of: Void.self) { group in
            for (n, expectation) in expectations.enumerated() {
                group.addTask {
                    try? await Task.sleep(for: gap * n)
                    await self.drive(expectation, n: n)
                }
            }
        }
    }

    private func drive(_ expectation: Expectation, n: Int) async {
        let id = expectation.workflowId
        let started = await api.start(type: expectation.type, id: id, input: expectation.input, requestId: "start-\(id)")
        guard [200, 201].contains(started.status) else { return fail("start of \(id) answered \(started.status): \(started.body)") }
        switch expectation.kind {
        case .approval:
            try? await Task.sleep(for: .milliseconds(Int.random(in: 200...4000)))
            let answer = await api.signal(id: id, name: "approve", payload: .string("approver-\(n)"), requestId: "approve-\(id)")
            if answer.status != 202 { fail("signal to \(id) answered \(answer.status): \(answer.body)") }
        case .trip:
            guard await waitForCompletedActivities(workflowId: id, count: 2, deadline: .seconds(120)) else {
                return fail("trip \(id) never made both bookings")
            }
            let answer = await api.cancel(id: id)
            if ![200, 202].contains(answer.status) { fail("cancel of \(id) answered \(answer.status): \(answer.body)") }
        default:
            break
        }
    }

    /// Retries every pending dead letter of the load once its fence is opened, until `end`.
    func retryDeadLetters(until end: ContinuousClock.Instant) async {
        while ContinuousClock.now < end && !Task.isCancelled {
            for letter in await api.pendingDeadLetters() {
                do {
                    try await database.query(
                        "INSERT INTO reprise_chaos.fences (key) VALUES (\(letter.workflowId + "/fenced")) ON CONFLICT DO NOTHING", logger: logger)
                } catch {
                    continue  // The database is away: the next round opens it.
                }
                let answer = await api.retryDeadLetter(id: letter.id)
                if ![200, 409].contains(answer.status) { logger.notice("dead letter retry answered \(answer.status): \(answer.body)") }
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Whether the run of `workflowId` records `count` completed activities before `deadline`.
    private func waitForCompletedActivities(workflowId: String, count: Int, deadline: Duration) async -> Bool {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            let rows = try? await database.query(
                """
                SELECT count(*)::int FROM reprise.history_events h JOIN reprise.workflow_executions e USING (run_id)
                WHERE e.workflow_id = \(workflowId) AND h.event_type = 'ActivityTaskCompleted'
                """, logger: logger)
            if let rows, let done = try? await rows.collect().first?.decode(Int.self), done >= count { return true }
            try? await Task.sleep(for: .milliseconds(300))
        }
        return false
    }

    private func fail(_ message: String) {
        logger.error("\(message)")
        failures.withLock { $0.append(message) }
    }
}

/// The LLM provider stand-in's one answer.
enum StandIn {
    static let answer = "A good lead."
}
