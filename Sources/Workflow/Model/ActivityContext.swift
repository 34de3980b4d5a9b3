import Logging

/// What an activity attempt knows about itself, reachable from ``Activity/run(input:)`` through
/// ``ActivityContext/current``.
///
/// ## Usage
/// ```swift
/// func run(input: Charge) async throws -> Receipt {
///     let context = ActivityContext.current!
///     return try await payments.charge(input, idempotencyKey: context.info.idempotencyKey)
/// }
/// ```
public struct ActivityContext: Sendable {
    /// The facts of this attempt.
    public struct Info: Sendable, Hashable, Codable {
        public var namespace: String
        public var workflowId: String
        public var runId: String
        public var workflowType: String
        public var activityId: String
        public var activityType: String
        public var taskQueue: String
        /// 1 for the first attempt.
        public var attempt: Int
        /// The details of the last heartbeat of an earlier attempt, to resume from.
        public var heartbeatDetails: Payload?

        /// `runId/activityId`: the same for every attempt, so a payment provider or mailer can
        /// de-duplicate a retried call.
        public var idempotencyKey: String { "\(runId)/\(activityId)" }

        public init(
            namespace: String, workflowId: String, runId: String, workflowType: String, activityId: String,
            activityType: String, taskQueue: String, attempt: Int, heartbeatDetails: Payload? = nil
        ) {
            self.namespace = namespace
            self.workflowId = workflowId
            self.runId = runId
            self.workflowType = workflowType
            self.activityId = activityId
            self.activityType = activityType
            self.taskQueue = taskQueue
            self.attempt = attempt
            self.heartbeatDetails = heartbeatDetails
        }
    }

    /// The facts of this attempt.
    public var info: Info
    /// A logger carrying the namespace, workflow, run and activity ids as metadata.
    public var logger: Logger
    private let heartbeatHandler: @Sendable (Payload?) async throws -> Void

    /// Creates a context. The worker runtime does this; tests may too.
    public init(info: Info, logger: Logger, heartbeat: @escaping @Sendable (Payload?) async throws -> Void) {
        self.info = info
        self.logger = logger
        self.heartbeatHandler = heartbeat
    }

    /// Reports progress. It extends the attempt's lease, the details reach the next attempt if
    /// this one fails, and cancellation of the activity arrives as Swift task cancellation.
    /// Calls are throttled by the worker, so calling often is cheap.
    public func heartbeat(_ details: some Encodable & Sendable) async throws {
        try await heartbeatHandler(try Payload(encoding: details))
    }

    /// Reports liveness without details.
    public func heartbeat() async throws {
        try await heartbeatHandler(nil)
    }

    /// The context of the activity attempt running in this task, or `nil` outside an activity.
    @TaskLocal public static var current: ActivityContext?
}
