import Foundation
import Logging
import Store
import Workflow

/// Starts at a steady rate, with `idConflictPolicy: UseExisting` over a pool of ids, while Postgres
/// restarts: every answer must be a 2xx or a 503 within 35 s, and no id may get two runs. Measures
/// how long starts failed or were slow, and until when after Postgres returned.
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
        /// From the first start that failed or took over a second (by when it was due) to the last one.
        var unavailable: Duration = .zero
        /// From Postgres's return to the answer of the first start sent after it that succeeded.
        var startsAgain: Duration?
        /// The same, for the starts sent to each server.
        var startsAgainByServer: [Duration?] = []
        var idsWithTwoRuns = 0

        var line: String {
            "availability: \(sent) starts at 200/s over a Postgres restart, \(succeeded) 2xx, \(refused) 503, \(other.count) other;"
                + " slowest answer \(Summary.format(Summary.seconds(slowest))) s; starts failed or slow (over 1 s) for \(Summary.format(Summary.seconds(unavailable))) s,"
                + " starts succeeded again \(Self.format(startsAgain)) s after Postgres returned"
                + " (\(startsAgainByServer.enumerated().map { "server-\($0) \(Self.format($1)) s" }.joined(separator: ", ")));"
                + " \(idsWithTwoRuns) ids with two runs"
        }
        static func format(_ duration: Duration?) -> String { duration.map { Summary.format(Summary.seconds($0)) } ?? "never" }

        var violations: [String] {
            other.prefix(5).map { "availability: \($0)" } + (slowest > .seconds(35) ? ["availability: an answer took \(slowest)"] : [])
                + (startsAgain.map { $0 > .seconds(5) } ?? true ? ["availability: starts succeeded again only \(String(describing: startsAgain)) after Postgres returned"] : [])
                + (idsWithTwoRuns > 0 ? ["availability: \(idsWithTwoRuns) ids have two runs"] : [])
        }
    }

    private struct Answer {
        var server: Int
        var sent: ContinuousClock.Instant
        var status: Int
        var body: JSONValue
        var latency: Duration
    }

    func run(duration: Duration, rate: Int = 200, pool: Int = 500) async throws -> Result {
        // A client of its own with a connection for each start in flight (up to 512 a server), so
        // that what is measured is the servers, not a queue in the client. An answer's time counts
        // from when the start was due.
        let api = ChaosAPI(servers: system.api.servers, connectionsPerServer: 512, connectTimeout: .seconds(35))
        let begin = ContinuousClock.now
        let count = Int(duration.components.seconds) * rate
        enum Event { case answer(Answer), returned(ContinuousClock.Instant) }
        let events = await withTaskGroup(of: Event.self) { group in
            group.addTask {
                try? await Task.sleep(for: duration / 3)
                do { try await system.postgres.restart() } catch { logger.error("availability: the restart failed: \(error)") }
                return .returned(ContinuousClock.now)
            }
            for n in 0..<count {
                try? await Task.sleep(until: begin + .milliseconds(n * 1000 / rate))
                let sent = begin + .milliseconds(n * 1000 / rate)
                group.addTask {
                    let id = "available-\(n % pool)"
                    let server = n % api.servers.count
                    let answer = await api.once(
                        .POST, "\(ChaosAPI.base)/workflows", server: api.servers[server],
                        body: .object([
                            "workflowId": .string(id), "type": .string(Approval.name), "taskQueue": .string("main"), "input": .string(id),
                            "idConflictPolicy": .string("UseExisting"),
                        ]))
                    return .answer(Answer(server: server, sent: sent, status: answer.status, body: answer.body, latency: ContinuousClock.now - sent))
                }
            }
            var events: [Event] = []
            for await event in group { events.append(event) }
            return events
        }
        let all = events.compactMap { if case .answer(let answer) = $0 { answer } else { nil } }
        let back = events.compactMap { if case .returned(let instant) = $0 { instant } else { nil } }.first
        await api.shutdown()
        var result = Result()
        result.sent = all.count
        result.succeeded = all.filter { (200..<300).contains($0.status) }.count
        let refused = all.filter { $0.status == 503 }
        result.refused = refused.count
        result.other = all.filter { !(200..<300).contains($0.status) && $0.status != 503 }.map { "a start answered \($0.status) after \($0.latency): \($0.body)" }
        result.slowest = all.map(\.latency).max() ?? .zero
        let bad = all.filter { !(200..<300).contains($0.status) || $0.latency > .seconds(1) }.map(\.sent)
        if let first = bad.min(), let last = bad.max() { result.unavailable = last - first }
        if let back {
            func startsAgain(_ answers: [Answer]) -> Duration? {
                answers.filter { $0.sent >= back && (200..<300).contains($0.status) }.map { $0.sent + $0.latency - back }.min()
            }
            result.startsAgain = startsAgain(all)
            result.startsAgainByServer = api.servers.indices.map { server in startsAgain(all.filter { $0.server == server }) }
        }
        let rows = try await store.client.query(
            "SELECT count(*)::int FROM (SELECT workflow_id FROM reprise.workflow_executions WHERE workflow_id LIKE 'available-%' GROUP BY 1 HAVING count(*) > 1) twice",
            logger: logger)
        result.idsWithTwoRuns = try await rows.collect().first?.decode(Int.self) ?? 0
        return result
    }
}
