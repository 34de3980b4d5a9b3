/// How an activity is scheduled: its timeouts, retry policy, task queue and dead-lettering.
///
/// Either ``startToCloseTimeout`` or ``scheduleToCloseTimeout`` is required, as in Temporal.
public struct ActivityOptions: Sendable, Hashable, Codable {
    /// The task queue to run on. Defaults to the workflow's own queue.
    public var taskQueue: String?
    /// The limit on the whole activity, across all attempts.
    public var scheduleToCloseTimeout: Duration?
    /// The limit on waiting in the queue before a worker takes the task.
    public var scheduleToStartTimeout: Duration?
    /// The limit on one attempt; it is also the attempt's lease.
    public var startToCloseTimeout: Duration?
    /// The longest gap between heartbeats before the attempt counts as lost.
    public var heartbeatTimeout: Duration?
    /// How failed attempts are retried.
    public var retryPolicy: RetryPolicy
    /// When the attempts run out or a non-retryable error occurs: park the activity in the
    /// dead-letter queue for an operator (`true`) instead of failing it into the workflow.
    public var deadLetter: Bool

    public init(
        taskQueue: String? = nil, scheduleToCloseTimeout: Duration? = nil, scheduleToStartTimeout: Duration? = nil,
        startToCloseTimeout: Duration? = nil, heartbeatTimeout: Duration? = nil, retryPolicy: RetryPolicy = .default,
        deadLetter: Bool = false
    ) {
        self.taskQueue = taskQueue
        self.scheduleToCloseTimeout = scheduleToCloseTimeout
        self.scheduleToStartTimeout = scheduleToStartTimeout
        self.startToCloseTimeout = startToCloseTimeout
        self.heartbeatTimeout = heartbeatTimeout
        self.retryPolicy = retryPolicy
        self.deadLetter = deadLetter
    }

    /// Refuses timeouts and retry intervals out of range (``Duration/checked(_:)``), as
    /// ``WorkflowContext/execute(_:_:options:)`` does before it schedules the activity.
    ///
    /// - Throws: ``InvalidArgumentFailure`` naming the option.
    public func validate() throws {
        let timeouts = [
            ("scheduleToCloseTimeout", scheduleToCloseTimeout), ("scheduleToStartTimeout", scheduleToStartTimeout),
            ("startToCloseTimeout", startToCloseTimeout), ("heartbeatTimeout", heartbeatTimeout),
        ]
        for case (let name, let timeout?) in timeouts { _ = try timeout.checked("ActivityOptions.\(name)") }
        try retryPolicy.validate(as: "ActivityOptions.retryPolicy")
    }

    private enum CodingKeys: String, CodingKey {
        case taskQueue, scheduleToCloseTimeout, scheduleToStartTimeout, startToCloseTimeout, heartbeatTimeout
        case retryPolicy, deadLetter
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.taskQueue = try container.decodeIfPresent(String.self, forKey: .taskQueue)
        self.scheduleToCloseTimeout = try container.decodeSecondsIfPresent(forKey: .scheduleToCloseTimeout)
        self.scheduleToStartTimeout = try container.decodeSecondsIfPresent(forKey: .scheduleToStartTimeout)
        self.startToCloseTimeout = try container.decodeSecondsIfPresent(forKey: .startToCloseTimeout)
        self.heartbeatTimeout = try container.decodeSecondsIfPresent(forKey: .heartbeatTimeout)
        self.retryPolicy = try container.decodeIfPresent(RetryPolicy.self, forKey: .retryPolicy) ?? .default
        self.deadLetter = try container.decodeIfPresent(Bool.self, forKey: .deadLetter) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(taskQueue, forKey: .taskQueue)
        try container.encodeSeconds(scheduleToCloseTimeout, forKey: .scheduleToCloseTimeout)
        try container.encodeSeconds(scheduleToStartTimeout, forKey: .scheduleToStartTimeout)
        try container.encodeSeconds(startToCloseTimeout, forKey: .startToCloseTimeout)
        try container.encodeSeconds(heartbeatTimeout, forKey: .heartbeatTimeout)
        try container.encode(retryPolicy, forKey: .retryPolicy)
        try container.encode(deadLetter, forKey: .deadLetter)
    }
}
