import Foundation
import Logging
import PostgresNIO
import Workflow

/// What the samples' activities share: the running attempt's idempotency key and namespace, and
/// the option sets their workflows schedule them with.
enum SampleSupport {
    /// The running attempt's facts; the samples' activities run only inside an attempt.
    static func attempt() throws -> ActivityContext.Info {
        guard let info = ActivityContext.current?.info else {
            throw ApplicationFailure("this activity must run inside an activity attempt (ActivityContext.current)", type: "NoActivityContext", nonRetryable: true)
        }
        return info
    }

    /// The running attempt's idempotency key (`runId/activityId`), the same on every retry, which
    /// every sample write is keyed by so that a retried attempt never writes twice.
    static func idempotencyKey() throws -> String { try attempt().idempotencyKey }

    /// The namespace of the run the attempt belongs to. Every sample table row carries it and
    /// every statement on those tables is scoped by it, so runs in two namespaces never see or
    /// change each other's rows, whatever ids their inputs name.
    static func namespace() throws -> String { try attempt().namespace }

    /// A silent logger for queries: the activity's own logger carries the context that matters.
    static let queryLogger = Logger(label: "reprise.samples", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Database and local-file work: quick, retried a few times with a short backoff.
    static let local = ActivityOptions(
        startToCloseTimeout: .seconds(30), retryPolicy: RetryPolicy(initialInterval: .milliseconds(500), maximumAttempts: 5))

    /// Calls to the outside world: retried, then parked in the dead-letter queue for a human.
    static let external = ActivityOptions(
        startToCloseTimeout: .seconds(60), retryPolicy: RetryPolicy(initialInterval: .seconds(1), maximumAttempts: 4), deadLetter: true)
}

extension PostgresClient {
    /// Runs `body` in a transaction and rethrows its own error unwrapped, so an
    /// `ApplicationFailure` thrown inside keeps its type and retryability.
    func sampleTransaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await withTransaction(logger: SampleSupport.queryLogger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error.beginError ?? error.commitError ?? error
        }
    }
}

extension PostgresRowSequence {
    /// Reads every row, so that errors raised while the statement runs surface here.
    func drain() async throws {
        for try await _ in self {}
    }
}
