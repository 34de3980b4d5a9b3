import Foundation
import Logging
import PostgresNIO
import Store
import Workflow

/// The end-of-run checks: every workflow reached its outcome, every history passes the model,
/// every side effect happened exactly once, nothing is left queued, and the LLM budget is whole.
struct Checks {
    let store: Store
    let logger: Logger

    struct Outcome {
        /// Workflows that did not reach the outcome they were built for.
        var lost: [String] = []
        /// Side effects done twice, runs started twice for one id.
        var duplicated: [String] = []
        /// Every other broken invariant.
        var violations: [String] = []
        /// Activities whose attempt ran again after a fault (at least once; the key absorbed it).
        var reExecuted = 0
    }

    private struct Run {
        var runId: UUID
        var status: String
        var result: JSONValue?
    }

    func run(_ expectations: [Expectation], providerCalls: Int) async throws -> Outcome {
        var outcome = Outcome()
        let runs = try await self.runs()
        let effects = try await self.effects()
        var expectedKeys: Set<String> = []
        for expectation in expectations {
            let id = expectation.workflowId
            expectedKeys.formUnion(expectation.effects.map { "\(id)/\($0)" })
            guard let found = runs[id], let run = found.first else {
                outcome.lost.append("\(id): no run")
                continue
            }
            if found.count > 1 { outcome.duplicated.append("\(id): \(found.count) runs") }
            if run.status != expectation.status {
                outcome.lost.append("\(id): \(run.status), expected \(expectation.status)")
                continue
            }
            if let result = expectation.result, run.result != result {
                outcome.lost.append("\(id): result \(String(describing: run.result)), expected \(result)")
            }
            if expectation.kind == .flaky, case .string(let text)? = run.result, !text.hasPrefix("succeeded on attempt ") {
                outcome.lost.append("\(id): result \(text)")
            }
            for step in expectation.effects where effects["\(id)/\(step)"] == nil {
                outcome.lost.append("\(id): side effect \(step) never happened")
            }
            outcome.violations += try await model(run.runId, workflowId: id, timerSeconds: expectation.timerSeconds)
        }
        for (key, effect) in effects {
            if effect.foreignWrites > 0 { outcome.duplicated.append("\(key): written by \(effect.foreignWrites + 1) activities") }
            if !expectedKeys.contains(key) { outcome.duplicated.append("\(key): a side effect no workflow asked for") }
            if effect.executions > 1 { outcome.reExecuted += 1 }
        }
        outcome.violations += try await leftovers(providerCalls: providerCalls)
        return outcome
    }

    /// The history model: event ids dense from 1; one close, last; one resolution per scheduled
    /// activity; each timer fired or canceled once, and fired no earlier than its duration.
    private func model(_ runId: UUID, workflowId: String, timerSeconds: Int?) async throws -> [String] {
        let events = try await store.history(runId: runId)
        var problems: [String] = []
        if events.map(\.eventId) != Array(1...Int64(max(1, events.count))) { problems.append("\(workflowId): event ids are not dense from 1") }
        let closes = events.filter(\.eventType.isClosing)
        if closes.count != 1 || events.last?.eventType.isClosing != true {
            problems.append("\(workflowId): \(closes.count) close events, the last event is \(events.last?.eventType.rawValue ?? "none")")
        }
        var resolutions: [Int64: Int] = [:]
        var timers: [Int64: (started: Date, fired: Int)] = [:]
        for event in events {
            switch event.attributes {
            case .activityTaskScheduled: resolutions[event.eventId] = 0
            case .activityTaskCompleted(let a): resolutions[a.scheduledEventId, default: 0] += 1
            case .activityTaskFailed(let a): resolutions[a.scheduledEventId, default: 0] += 1
            case .activityTaskTimedOut(let a): resolutions[a.scheduledEventId, default: 0] += 1
            case .activityTaskCanceled(let a): resolutions[a.scheduledEventId, default: 0] += 1
            case .timerStarted: timers[event.eventId] = (event.eventTime, 0)
            case .timerFired(let a):
                timers[a.startedEventId, default: (event.eventTime, 0)].fired += 1
                if let timerSeconds, let started = timers[a.startedEventId]?.started,
                    event.eventTime.timeIntervalSince(started) < Double(timerSeconds) - 0.05
                {
                    problems.append("\(workflowId): a \(timerSeconds) s timer fired after \(event.eventTime.timeIntervalSince(started)) s")
                }
            case .timerCanceled(let a): timers[a.startedEventId, default: (event.eventTime, 0)].fired += 1
            default: break
            }
        }
        for (scheduled, count) in resolutions where count != 1 {
            problems.append("\(workflowId): activity scheduled at event \(scheduled) resolved \(count) times")
        }
        for (started, timer) in timers where timer.fired != 1 {
            problems.append("\(workflowId): timer started at event \(started) fired or canceled \(timer.fired) times")
        }
        return problems
    }

    /// Task rows, timers and dead letters left behind, and the LLM budget's reservations and ledger.
    private func leftovers(providerCalls: Int) async throws -> [String] {
        var problems: [String] = []
        for (table, filter) in [
            ("workflow_tasks", "true"), ("activity_tasks", "true"), ("timers", "true"), ("dead_letters", "state = 'Pending'"),
            ("llm_reservations", "expires_at > now()"),
        ] {
            let count = try await count("SELECT count(*)::int FROM reprise.\(table) WHERE \(filter)")
            if count != 0 { problems.append("\(count) rows left in \(table)") }
        }
        let ledger = try await count("SELECT count(*)::int FROM reprise.llm_ledger WHERE provider IS NOT NULL AND NOT cache_hit")
        if ledger != providerCalls { problems.append("the ledger has \(ledger) rows for \(providerCalls) provider calls") }
        return problems
    }

    private func runs() async throws -> [String: [Run]] {
        var runs: [String: [Run]] = [:]
        let rows = try await store.client.query(
            "SELECT workflow_id, run_id, status, result::text FROM reprise.workflow_executions WHERE namespace = 'default' ORDER BY start_time",
            logger: logger)
        for try await (workflowId, runId, status, result) in rows.decode((String, UUID, String, String?).self) {
            let decoded = result.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
            runs[workflowId, default: []].append(Run(runId: runId, status: status, result: decoded))
        }
        return runs
    }

    private func effects() async throws -> [String: (executions: Int, foreignWrites: Int)] {
        var effects: [String: (executions: Int, foreignWrites: Int)] = [:]
        let rows = try await store.client.query("SELECT key, executions, foreign_writes FROM reprise_chaos.effects", logger: logger)
        for try await (key, executions, foreign) in rows.decode((String, Int, Int).self) { effects[key] = (executions, foreign) }
        return effects
    }

    private func count(_ sql: String) async throws -> Int {
        let rows = try await store.client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        return try await rows.collect().first?.decode(Int.self) ?? 0
    }
}
