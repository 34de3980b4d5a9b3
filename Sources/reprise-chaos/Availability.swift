import Foundation
import Logging
import Store
import Workflow

/// Starts at a steady rate, with `idConflictPolicy: UseExisting` over a pool of ids, while Postgres
/// restarts: every answer must be a 2xx or a 503 within 35 s, and no id may get two runs. Measures
/// how long starts were refused.
struct Availability {
    let system: System
    let store: Store
    let logger: Logger

    struct Result {
        var sent = 0
        var succeeded = 0
        var refused = 0
        /// Answers other than a 2xx or a 503, and transport failures.
        var other: [String] = []
        var slowest: Duration = .zero
        /// From the first refused start to the last one.
        var unavailable: Duration = .zero
        var idsWithTwoRuns = 0

        var line: String {
            "availability: \(sent) starts at 200/s over a Postgres restart, \(succeeded) 2xx, \(refused) 503, \(other.count) other;"
                + " slowest answer \(Summary.format(Summary.seconds(slowest))) s; starts refused for \(Summary.format(Summary.seconds(unavailable))) s;"
                + " \(idsWithTwoRuns) ids with two runs"
        }
        var violations: [String] {
            other.prefix(5).map { "availability: \($0)" } + (slowest > .seconds(35) ? ["availability: an answer took \(slowest)"] : [])
                + (idsWithTwoRuns > 0 ? ["availability: \(idsWithTwoRuns) ids have two runs"] : [])
        }
    }

    private struct Answer {
        var sent: ContinuousClock.Instant
        var status: Int
        var body: JSONValue
        var latency: Duration
    }

    func run(duration: Duration, rate: Int = 200, pool: Int = 500) async throws -> Result {
        let begin = ContinuousClock.now
        let count = Int(duration.components.seconds) * rate
        let all = await withTaskGroup(of: Answer?.self) { group in
            group.addTask {
                try? await Task.sleep(for: duration / 3)
                do { try await system.postgres.restart() } catch { logger.error("availability: the restart failed: \(error)") }
                return nil
            }
            for n in 0..<count {
                try? await Task.sleep(until: begin + .milliseconds(n * 1000 / rate))
                group.addTask {
                    let sent = ContinuousClock.now
                    let id = "available-\(n % pool)"
                    let answer = await system.api.once(
                        .POST, "\(ChaosAPI.base)/workflows", server: system.api.servers[n % system.api.servers.count],
                        body: .object([
                            "workflowId": .string(id), "type": .string(Approval.name), "taskQueue": .string("main"), "input": .string(id),
                            "idConflictPolicy": .string("UseExisting"),
                        ]))
                    return Answer(sent: sent, status: answer.status, body: answer.body, latency: ContinuousClock.now - sent)
                }
            }
            var all: [Answer] = []
            for await answer in group { if let answer { all.append(answer) } }
            return all
        }
        var result = Result()
        result.sent = all.count
        result.succeeded = all.filter { (200..<300).contains($0.status) }.count
        let refused = all.filter { $0.status == 503 }
        result.refused = refused.count
        result.other = all.filter { !(200..<300).contains($0.status) && $0.status != 503 }.map { "a start answered \($0.status) after \($0.latency): \($0.body)" }
        result.slowest = all.map(\.latency).max() ?? .zero
        if let first = refused.map(\.sent).min(), let last = refused.map(\.sent).max() { result.unavailable = last - first }
        let rows = try await store.client.query(
            "SELECT count(*)::int FROM (SELECT workflow_id FROM workflow_executions WHERE workflow_id LIKE 'available-%' GROUP BY 1 HAVING count(*) > 1) twice",
            logger: logger)
        result.idsWithTwoRuns = try await rows.collect().first?.decode(Int.self) ?? 0
        return result
    }
}
