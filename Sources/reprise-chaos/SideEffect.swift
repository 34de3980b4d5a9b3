import Foundation
import Logging
import PostgresNIO
import Store
import Workflow

/// The chaos load's one side effect: a row in `reprise_chaos.effects` under a key the workflow
/// names (its workflow id and step). The write is idempotent by the key, as a payment provider's
/// is by an idempotency key, so a retried attempt of the same activity changes nothing but its
/// count; a write of the same key by another run or another activity would be a side effect done
/// twice, and is counted as such.
struct SideEffect: Activity {
    static let name = "chaos.effect"

    struct Input: Codable, Sendable {
        var key: String
        /// Attempts up to this one fail (retryably) before the write.
        var failAttempts = 0
        /// Fails for good (to the dead-letter queue) while `reprise_chaos.fences` does not open the key.
        var fenced = false
    }

    let database: PostgresClient
    let logger: Logger

    /// The attempt that wrote.
    func run(input: Input) async throws -> Int {
        guard let info = ActivityContext.current?.info else {
            throw ApplicationFailure("chaos.effect runs only as an activity", type: "ChaosMisuse", nonRetryable: true)
        }
        if info.attempt <= input.failAttempts {
            throw ApplicationFailure("planned failure of attempt \(info.attempt)", type: "ChaosPlannedFailure")
        }
        if input.fenced {
            let open = try await database.query("SELECT 1 FROM reprise_chaos.fences WHERE key = \(input.key)", logger: logger)
            var isOpen = false
            for try await _ in open { isOpen = true }
            guard isOpen else { throw ApplicationFailure("fence \(input.key) is closed", type: "ChaosFenceClosed", nonRetryable: true) }
        }
        try await database.query(
            """
            INSERT INTO reprise_chaos.effects (key, run_id, activity_id) VALUES (\(input.key), \(info.runId), \(info.activityId))
            ON CONFLICT (key) DO UPDATE SET executions = effects.executions + 1,
                foreign_writes = effects.foreign_writes
                    + CASE WHEN (effects.run_id, effects.activity_id) = (excluded.run_id, excluded.activity_id) THEN 0 ELSE 1 END
            """, logger: logger)
        // Work after the write, as a real call has (its answer to read, a receipt to store): a kill
        // that lands here leaves a side effect done and its activity not complete, the case the
        // key is for.
        try await Task.sleep(for: .milliseconds(Int.random(in: 50...400)))
        return info.attempt
    }
}

extension MigrationSet {
    /// The chaos runner's tables, in a schema of their own.
    static let chaos = MigrationSet(
        owner: "chaos",
        versions: [
            .init(
                1,
                [
                    "CREATE SCHEMA reprise_chaos",
                    """
                    CREATE TABLE reprise_chaos.effects (
                        key text PRIMARY KEY,
                        run_id text NOT NULL,
                        activity_id text NOT NULL,
                        executions int NOT NULL DEFAULT 1,
                        foreign_writes int NOT NULL DEFAULT 0
                    )
                    """,
                    "CREATE TABLE reprise_chaos.fences (key text PRIMARY KEY)",
                ])
        ])
}
