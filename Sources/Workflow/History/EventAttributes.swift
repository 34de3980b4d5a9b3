// The attributes of each history event, with Temporal's event names and field names.
// Durations are fractional seconds. Kept in one file so the whole vocabulary reads at a glance.

extension HistoryEvent {
    /// `WorkflowExecutionStarted`: The run began.
    public struct WorkflowExecutionStartedAttributes: Sendable, Hashable, Codable {
        public var workflowId: String
        public var workflowType: String
        public var taskQueue: String
        public var input: Payload?
        public var workflowExecutionTimeout: Double?
        public var originalExecutionRunId: String
        public var attempt: Int
        public var identity: String?
        public var searchAttributes: Payload?
        public var memo: Payload?

        public init(workflowId: String, workflowType: String, taskQueue: String, input: Payload? = nil, workflowExecutionTimeout: Double? = nil, originalExecutionRunId: String, attempt: Int = 1, identity: String? = nil, searchAttributes: Payload? = nil, memo: Payload? = nil) {
            self.workflowId = workflowId
            self.workflowType = workflowType
            self.taskQueue = taskQueue
            self.input = input
            self.workflowExecutionTimeout = workflowExecutionTimeout
            self.originalExecutionRunId = originalExecutionRunId
            self.attempt = attempt
            self.identity = identity
            self.searchAttributes = searchAttributes
            self.memo = memo
        }

        private enum CodingKeys: String, CodingKey { case workflowId, workflowType, taskQueue, input, workflowExecutionTimeout, originalExecutionRunId, attempt, identity, searchAttributes, memo }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.workflowId = try container.decode(String.self, forKey: .workflowId)
            self.workflowType = try container.decode(String.self, forKey: .workflowType)
            self.taskQueue = try container.decode(String.self, forKey: .taskQueue)
            self.input = try container.decodeIfPresent(Payload.self, forKey: .input)
            self.workflowExecutionTimeout = try container.decodeIfPresent(Double.self, forKey: .workflowExecutionTimeout)
            self.originalExecutionRunId = try container.decode(String.self, forKey: .originalExecutionRunId)
            self.attempt = try container.decodeIfPresent(Int.self, forKey: .attempt) ?? 1
            self.identity = try container.decodeIfPresent(String.self, forKey: .identity)
            self.searchAttributes = try container.decodeIfPresent(Payload.self, forKey: .searchAttributes)
            self.memo = try container.decodeIfPresent(Payload.self, forKey: .memo)
        }
    }

    /// `WorkflowTaskScheduled`: A workflow task is due.
    public struct WorkflowTaskScheduledAttributes: Sendable, Hashable, Codable {
        public var taskQueue: String
        public var attempt: Int
        public var startToCloseTimeout: Double?

        public init(taskQueue: String, attempt: Int = 1, startToCloseTimeout: Double? = nil) {
            self.taskQueue = taskQueue
            self.attempt = attempt
            self.startToCloseTimeout = startToCloseTimeout
        }

        private enum CodingKeys: String, CodingKey { case taskQueue, attempt, startToCloseTimeout }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.taskQueue = try container.decode(String.self, forKey: .taskQueue)
            self.attempt = try container.decodeIfPresent(Int.self, forKey: .attempt) ?? 1
            self.startToCloseTimeout = try container.decodeIfPresent(Double.self, forKey: .startToCloseTimeout)
        }
    }

    /// `WorkflowTaskStarted`: A worker took the workflow task.
    public struct WorkflowTaskStartedAttributes: Sendable, Hashable, Codable {
        public var scheduledEventId: Int64
        public var identity: String?

        public init(scheduledEventId: Int64, identity: String? = nil) {
            self.scheduledEventId = scheduledEventId
            self.identity = identity
        }

        private enum CodingKeys: String, CodingKey { case scheduledEventId, identity }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.scheduledEventId = try container.decode(Int64.self, forKey: .scheduledEventId)
            self.identity = try container.decodeIfPresent(String.self, forKey: .identity)
        }
    }

    /// `WorkflowTaskCompleted`: The workflow task's commands follow this event.
    public struct WorkflowTaskCompletedAttributes: Sendable, Hashable, Codable {
        public var scheduledEventId: Int64
        public var startedEventId: Int64
        public var identity: String?

        public init(scheduledEventId: Int64, startedEventId: Int64, identity: String? = nil) {
            self.scheduledEventId = scheduledEventId
            self.startedEventId = startedEventId
            self.identity = identity
        }

        private enum CodingKeys: String, CodingKey { case scheduledEventId, startedEventId, identity }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.scheduledEventId = try container.decode(Int64.self, forKey: .scheduledEventId)
            self.startedEventId = try container.decode(Int64.self, forKey: .startedEventId)
            self.identity = try container.decodeIfPresent(String.self, forKey: .identity)
        }
    }

    /// `WorkflowTaskFailed`: The workflow task failed; its work is discarded and it is retried.
    public struct WorkflowTaskFailedAttributes: Sendable, Hashable, Codable {
        public var scheduledEventId: Int64
        public var startedEventId: Int64
        public var cause: String
        public var failure: Failure
        public var identity: String?

        public init(scheduledEventId: Int64, startedEventId: Int64, cause: String, failure: Failure, identity: String? = nil) {
            self.scheduledEventId = scheduledEventId
            self.startedEventId = startedEventId
            self.cause = cause
            self.failure = failure
            self.identity = identity
        }

        private enum CodingKeys: String, CodingKey { case scheduledEventId, startedEventId, cause, failure, identity }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.scheduledEventId = try container.decode(Int64.self, forKey: .scheduledEventId)
            self.startedEventId = try container.decode(Int64.self, forKey: .startedEventId)
            self.cause = try container.decode(String.self, forKey: .cause)
            self.failure = try container.decode(Failure.self, forKey: .failure)
            self.identity = try container.decodeIfPresent(String.self, forKey: .identity)
        }
    }

    /// `ActivityTaskScheduled`: The workflow scheduled an activity.
    public struct ActivityTaskScheduledAttributes: Sendable, Hashable, Codable {
        public var activityId: String
        public var activityType: String
        public var taskQueue: String
        public var input: Payload?
        public var scheduleToCloseTimeout: Double?
        public var scheduleToStartTimeout: Double?
        public var startToCloseTimeout: Double?
        public var heartbeatTimeout: Double?
        public var retryPolicy: RetryPolicy
        public var deadLetter: Bool
        public var workflowTaskCompletedEventId: Int64

        public init(activityId: String, activityType: String, taskQueue: String, input: Payload? = nil, scheduleToCloseTimeout: Double? = nil, scheduleToStartTimeout: Double? = nil, startToCloseTimeout: Double? = nil, heartbeatTimeout: Double? = nil, retryPolicy: RetryPolicy = .default, deadLetter: Bool = false, workflowTaskCompletedEventId: Int64) {
            self.activityId = activityId
            self.activityType = activityType
            self.taskQueue = taskQueue
            self.input = input
            self.scheduleToCloseTimeout = scheduleToCloseTimeout
            self.scheduleToStartTimeout = scheduleToStartTimeout
            self.startToCloseTimeout = startToCloseTimeout
            self.heartbeatTimeout = heartbeatTimeout
            self.retryPolicy = retryPolicy
            self.deadLetter = deadLetter
            self.workflowTaskCompletedEventId = workflowTaskCompletedEventId
        }

        private enum CodingKeys: String, CodingKey { case activityId, activityType, taskQueue, input, scheduleToCloseTimeout, scheduleToStartTimeout, startToCloseTimeout, heartbeatTimeout, retryPolicy, deadLetter, workflowTaskCompletedEventId }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.activityId = try container.decode(String.self, forKey: .activityId)
            self.activityType = try container.decode(String.self, forKey: .activityType)
            self.taskQueue = try container.decode(String.self, forKey: .taskQueue)
            self.input = try container.decodeIfPresent(Payload.self, forKey: .input)
            self.scheduleToCloseTimeout = try container.decodeIfPresent(Double.self, forKey: .scheduleToCloseTimeout)
            self.scheduleToStartTimeout = try container.decodeIfPresent(Double.self, forKey: .scheduleToStartTimeout)
            self.startToCloseTimeout = try container.decodeIfPresent(Double.self, forKey: .startToCloseTimeout)
            self.heartbeatTimeout = try container.decodeIfPresent(Double.self, forKey: .heartbeatTimeout)
            self.retryPolicy = try container.decodeIfPresent(RetryPolicy.self, forKey: .retryPolicy) ?? .default
            self.deadLetter = try container.decodeIfPresent(Bool.self, forKey: .deadLetter) ?? false
            self.workflowTaskCompletedEventId = try container.decode(Int64.self, forKey: .workflowTaskCompletedEventId)
        }
    }

    /// `ActivityTaskStarted`: The attempt that produced the outcome began. Written with the outcome.
    public struct ActivityTaskStartedAttributes: Sendable, Hashable, Codable {
        public var scheduledEventId: Int64
        public var attempt: Int
        public var identity: String?
        public var lastFailure: Failure?

        public init(scheduledEventId: Int64, attempt: Int, identity: String? = nil, lastFailure: Failure? = nil) {
            self.scheduledEventId = scheduledEventId
            self.attempt = attempt
            self.identity = identity
            self.lastFailure = lastFailure
        }

        private enum CodingKeys: String, CodingKey { case scheduledEventId, attempt, identity, lastFailure }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.scheduledEventId = try container.decode(Int64.self, forKey: .scheduledEventId)
            self.attempt = try container.decode(Int.self, forKey: .attempt)
            self.identity = try container.decodeIfPresent(String.self, forKey: .identity)
            self.lastFailure = try container.decodeIfPresent(Failure.self, forKey: .lastFailure)
        }
    }

    /// `ActivityTaskCompleted`: The activity succeeded.
    public struct ActivityTaskCompletedAttributes: Sendable, Hashable, Codable {
        public var scheduledEventId: Int64
        public var startedEventId: Int64
        public var result: Payload?
        public var identity: String?

        public init(scheduledEventId: Int64, startedEventId: Int64, result: Payload? = nil, identity: String? = nil) {
            self.scheduledEventId = scheduledEventId
            self.startedEventId = startedEventId
            self.result = result
            self.identity = identity
        }

        private enum CodingKeys: String, CodingKey { case scheduledEventId, startedEventId, result, identity }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.scheduledEventId = try container.decode(Int64.self, forKey: .scheduledEventId)
            self.startedEventId = try container.decode(Int64.self, forKey: .startedEventId)
            self.result = try container.decodeIfPresent(Payload.self, forKey: .result)
            self.identity = try container.decodeIfPresent(String.self, forKey: .identity)
        }
    }

    /// `ActivityTaskFailed`: The activity failed for good.
    public struct ActivityTaskFailedAttributes: Sendable, Hashable, Codable {
        public var scheduledEventId: Int64
        public var startedEventId: Int64
        public var failure: Failure
        public var retryState: String
        public var identity: String?

        public init(scheduledEventId: Int64, startedEventId: Int64, failure: Failure, retryState: String, identity: String? = nil) {
            self.scheduledEventId = scheduledEventId
            self.startedEventId = startedEventId
            self.failure = failure
            self.retryState = retryState
            self.identity = identity
        }

        private enum CodingKeys: String, CodingKey { case scheduledEventId, startedEventId, failure, retryState, identity }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.scheduledEventId = try container.decode(Int64.self, forKey: .scheduledEventId)
            self.startedEventId = try container.decode(Int64.self, forKey: .startedEventId)
            self.failure = try container.decode(Failure.self, forKey: .failure)
            self.retryState = try container.decode(String.self, forKey: .retryState)
            self.identity = try container.decodeIfPresent(String.self, forKey: .identity)
        }
    }

    /// `ActivityTaskTimedOut`: The activity timed out for good.
    public struct ActivityTaskTimedOutAttributes: Sendable, Hashable, Codable {
        public var scheduledEventId: Int64
        public var startedEventId: Int64
        public var failure: Failure
        public var retryState: String

        public init(scheduledEventId: Int64, startedEventId: Int64, failure: Failure, retryState: String) {
            self.scheduledEventId = scheduledEventId
            self.startedEventId = startedEventId
            self.failure = failure
            self.retryState = retryState
        }

        private enum CodingKeys: String, CodingKey { case scheduledEventId, startedEventId, failure, retryState }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.scheduledEventId = try container.decode(Int64.self, forKey: .scheduledEventId)
            self.startedEventId = try container.decode(Int64.self, forKey: .startedEventId)
            self.failure = try container.decode(Failure.self, forKey: .failure)
            self.retryState = try container.decode(String.self, forKey: .retryState)
        }
    }

    /// `ActivityTaskDeadLettered`: The activity ran out of attempts and was parked for an operator; the workflow keeps waiting.
    public struct ActivityTaskDeadLetteredAttributes: Sendable, Hashable, Codable {
        public var scheduledEventId: Int64
        public var attempt: Int
        public var failure: Failure
        public var deadLetterId: String

        public init(scheduledEventId: Int64, attempt: Int, failure: Failure, deadLetterId: String) {
            self.scheduledEventId = scheduledEventId
            self.attempt = attempt
            self.failure = failure
            self.deadLetterId = deadLetterId
        }

        private enum CodingKeys: String, CodingKey { case scheduledEventId, attempt, failure, deadLetterId }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.scheduledEventId = try container.decode(Int64.self, forKey: .scheduledEventId)
            self.attempt = try container.decode(Int.self, forKey: .attempt)
            self.failure = try container.decode(Failure.self, forKey: .failure)
            self.deadLetterId = try container.decode(String.self, forKey: .deadLetterId)
        }
    }

    /// `ActivityTaskDeadLetterRetried`: An operator retried a dead-lettered activity with fresh attempts.
    public struct ActivityTaskDeadLetterRetriedAttributes: Sendable, Hashable, Codable {
        public var scheduledEventId: Int64
        public var deadLetterId: String
        public var input: Payload?
        public var identity: String?

        public init(scheduledEventId: Int64, deadLetterId: String, input: Payload? = nil, identity: String? = nil) {
            self.scheduledEventId = scheduledEventId
            self.deadLetterId = deadLetterId
            self.input = input
            self.identity = identity
        }

        private enum CodingKeys: String, CodingKey { case scheduledEventId, deadLetterId, input, identity }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.scheduledEventId = try container.decode(Int64.self, forKey: .scheduledEventId)
            self.deadLetterId = try container.decode(String.self, forKey: .deadLetterId)
            self.input = try container.decodeIfPresent(Payload.self, forKey: .input)
            self.identity = try container.decodeIfPresent(String.self, forKey: .identity)
        }
    }

    /// `ActivityTaskCancelRequested`: The workflow asked for the activity to be canceled.
    public struct ActivityTaskCancelRequestedAttributes: Sendable, Hashable, Codable {
        public var scheduledEventId: Int64
        public var workflowTaskCompletedEventId: Int64

        public init(scheduledEventId: Int64, workflowTaskCompletedEventId: Int64) {
            self.scheduledEventId = scheduledEventId
            self.workflowTaskCompletedEventId = workflowTaskCompletedEventId
        }

        private enum CodingKeys: String, CodingKey { case scheduledEventId, workflowTaskCompletedEventId }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.scheduledEventId = try container.decode(Int64.self, forKey: .scheduledEventId)
            self.workflowTaskCompletedEventId = try container.decode(Int64.self, forKey: .workflowTaskCompletedEventId)
        }
    }

    /// `ActivityTaskCanceled`: The activity acknowledged cancellation.
    public struct ActivityTaskCanceledAttributes: Sendable, Hashable, Codable {
        public var scheduledEventId: Int64
        public var startedEventId: Int64?
        public var details: Payload?
        public var latestCancelRequestedEventId: Int64?

        public init(scheduledEventId: Int64, startedEventId: Int64? = nil, details: Payload? = nil, latestCancelRequestedEventId: Int64? = nil) {
            self.scheduledEventId = scheduledEventId
            self.startedEventId = startedEventId
            self.details = details
            self.latestCancelRequestedEventId = latestCancelRequestedEventId
        }

        private enum CodingKeys: String, CodingKey { case scheduledEventId, startedEventId, details, latestCancelRequestedEventId }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.scheduledEventId = try container.decode(Int64.self, forKey: .scheduledEventId)
            self.startedEventId = try container.decodeIfPresent(Int64.self, forKey: .startedEventId)
            self.details = try container.decodeIfPresent(Payload.self, forKey: .details)
            self.latestCancelRequestedEventId = try container.decodeIfPresent(Int64.self, forKey: .latestCancelRequestedEventId)
        }
    }

    /// `TimerStarted`: The workflow started a timer.
    public struct TimerStartedAttributes: Sendable, Hashable, Codable {
        public var timerId: String
        public var startToFireTimeout: Double
        public var workflowTaskCompletedEventId: Int64

        public init(timerId: String, startToFireTimeout: Double, workflowTaskCompletedEventId: Int64) {
            self.timerId = timerId
            self.startToFireTimeout = startToFireTimeout
            self.workflowTaskCompletedEventId = workflowTaskCompletedEventId
        }

        private enum CodingKeys: String, CodingKey { case timerId, startToFireTimeout, workflowTaskCompletedEventId }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.timerId = try container.decode(String.self, forKey: .timerId)
            self.startToFireTimeout = try container.decode(Double.self, forKey: .startToFireTimeout)
            self.workflowTaskCompletedEventId = try container.decode(Int64.self, forKey: .workflowTaskCompletedEventId)
        }
    }

    /// `TimerFired`: A timer fired.
    public struct TimerFiredAttributes: Sendable, Hashable, Codable {
        public var timerId: String
        public var startedEventId: Int64

        public init(timerId: String, startedEventId: Int64) {
            self.timerId = timerId
            self.startedEventId = startedEventId
        }

        private enum CodingKeys: String, CodingKey { case timerId, startedEventId }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.timerId = try container.decode(String.self, forKey: .timerId)
            self.startedEventId = try container.decode(Int64.self, forKey: .startedEventId)
        }
    }

    /// `TimerCanceled`: The workflow canceled a timer.
    public struct TimerCanceledAttributes: Sendable, Hashable, Codable {
        public var timerId: String
        public var startedEventId: Int64
        public var workflowTaskCompletedEventId: Int64

        public init(timerId: String, startedEventId: Int64, workflowTaskCompletedEventId: Int64) {
            self.timerId = timerId
            self.startedEventId = startedEventId
            self.workflowTaskCompletedEventId = workflowTaskCompletedEventId
        }

        private enum CodingKeys: String, CodingKey { case timerId, startedEventId, workflowTaskCompletedEventId }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.timerId = try container.decode(String.self, forKey: .timerId)
            self.startedEventId = try container.decode(Int64.self, forKey: .startedEventId)
            self.workflowTaskCompletedEventId = try container.decode(Int64.self, forKey: .workflowTaskCompletedEventId)
        }
    }

    /// `WorkflowExecutionSignaled`: A signal arrived.
    public struct WorkflowExecutionSignaledAttributes: Sendable, Hashable, Codable {
        public var signalName: String
        public var input: Payload?
        public var identity: String?

        public init(signalName: String, input: Payload? = nil, identity: String? = nil) {
            self.signalName = signalName
            self.input = input
            self.identity = identity
        }

        private enum CodingKeys: String, CodingKey { case signalName, input, identity }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.signalName = try container.decode(String.self, forKey: .signalName)
            self.input = try container.decodeIfPresent(Payload.self, forKey: .input)
            self.identity = try container.decodeIfPresent(String.self, forKey: .identity)
        }
    }

    /// `MarkerRecorded`: A side effect or a patch was recorded.
    public struct MarkerRecordedAttributes: Sendable, Hashable, Codable {
        public var markerName: String
        public var details: [String: Payload]
        public var workflowTaskCompletedEventId: Int64

        public init(markerName: String, details: [String: Payload], workflowTaskCompletedEventId: Int64) {
            self.markerName = markerName
            self.details = details
            self.workflowTaskCompletedEventId = workflowTaskCompletedEventId
        }

        private enum CodingKeys: String, CodingKey { case markerName, details, workflowTaskCompletedEventId }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.markerName = try container.decode(String.self, forKey: .markerName)
            self.details = try container.decode([String: Payload].self, forKey: .details)
            self.workflowTaskCompletedEventId = try container.decode(Int64.self, forKey: .workflowTaskCompletedEventId)
        }
    }

    /// `WorkflowExecutionCancelRequested`: Somebody asked for the run to be canceled.
    public struct WorkflowExecutionCancelRequestedAttributes: Sendable, Hashable, Codable {
        public var cause: String?
        public var identity: String?

        public init(cause: String? = nil, identity: String? = nil) {
            self.cause = cause
            self.identity = identity
        }

        private enum CodingKeys: String, CodingKey { case cause, identity }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.cause = try container.decodeIfPresent(String.self, forKey: .cause)
            self.identity = try container.decodeIfPresent(String.self, forKey: .identity)
        }
    }

    /// `WorkflowExecutionCanceled`: The run ended canceled.
    public struct WorkflowExecutionCanceledAttributes: Sendable, Hashable, Codable {
        public var details: Payload?
        public var workflowTaskCompletedEventId: Int64

        public init(details: Payload? = nil, workflowTaskCompletedEventId: Int64) {
            self.details = details
            self.workflowTaskCompletedEventId = workflowTaskCompletedEventId
        }

        private enum CodingKeys: String, CodingKey { case details, workflowTaskCompletedEventId }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.details = try container.decodeIfPresent(Payload.self, forKey: .details)
            self.workflowTaskCompletedEventId = try container.decode(Int64.self, forKey: .workflowTaskCompletedEventId)
        }
    }

    /// `WorkflowExecutionCompleted`: The run ended with a result.
    public struct WorkflowExecutionCompletedAttributes: Sendable, Hashable, Codable {
        public var result: Payload?
        public var workflowTaskCompletedEventId: Int64

        public init(result: Payload? = nil, workflowTaskCompletedEventId: Int64) {
            self.result = result
            self.workflowTaskCompletedEventId = workflowTaskCompletedEventId
        }

        private enum CodingKeys: String, CodingKey { case result, workflowTaskCompletedEventId }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.result = try container.decodeIfPresent(Payload.self, forKey: .result)
            self.workflowTaskCompletedEventId = try container.decode(Int64.self, forKey: .workflowTaskCompletedEventId)
        }
    }

    /// `WorkflowExecutionFailed`: The run ended with a failure.
    public struct WorkflowExecutionFailedAttributes: Sendable, Hashable, Codable {
        public var failure: Failure
        public var retryState: String
        public var workflowTaskCompletedEventId: Int64

        public init(failure: Failure, retryState: String = "NonRetryableFailure", workflowTaskCompletedEventId: Int64) {
            self.failure = failure
            self.retryState = retryState
            self.workflowTaskCompletedEventId = workflowTaskCompletedEventId
        }

        private enum CodingKeys: String, CodingKey { case failure, retryState, workflowTaskCompletedEventId }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.failure = try container.decode(Failure.self, forKey: .failure)
            self.retryState = try container.decodeIfPresent(String.self, forKey: .retryState) ?? "NonRetryableFailure"
            self.workflowTaskCompletedEventId = try container.decode(Int64.self, forKey: .workflowTaskCompletedEventId)
        }
    }

    /// `WorkflowExecutionTimedOut`: The run passed its execution timeout.
    public struct WorkflowExecutionTimedOutAttributes: Sendable, Hashable, Codable {
        public var retryState: String

        public init(retryState: String = "Timeout") {
            self.retryState = retryState
        }

        private enum CodingKeys: String, CodingKey { case retryState }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.retryState = try container.decodeIfPresent(String.self, forKey: .retryState) ?? "Timeout"
        }
    }

    /// `WorkflowExecutionTerminated`: An operator ended the run; no workflow code ran.
    public struct WorkflowExecutionTerminatedAttributes: Sendable, Hashable, Codable {
        public var reason: String?
        public var details: Payload?
        public var identity: String?

        public init(reason: String? = nil, details: Payload? = nil, identity: String? = nil) {
            self.reason = reason
            self.details = details
            self.identity = identity
        }

        private enum CodingKeys: String, CodingKey { case reason, details, identity }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.reason = try container.decodeIfPresent(String.self, forKey: .reason)
            self.details = try container.decodeIfPresent(Payload.self, forKey: .details)
            self.identity = try container.decodeIfPresent(String.self, forKey: .identity)
        }
    }

    /// The typed attributes of an event; the case names the event type.
    public enum Attributes: Sendable, Hashable {
        case workflowExecutionStarted(WorkflowExecutionStartedAttributes)
        case workflowTaskScheduled(WorkflowTaskScheduledAttributes)
        case workflowTaskStarted(WorkflowTaskStartedAttributes)
        case workflowTaskCompleted(WorkflowTaskCompletedAttributes)
        case workflowTaskFailed(WorkflowTaskFailedAttributes)
        case activityTaskScheduled(ActivityTaskScheduledAttributes)
        case activityTaskStarted(ActivityTaskStartedAttributes)
        case activityTaskCompleted(ActivityTaskCompletedAttributes)
        case activityTaskFailed(ActivityTaskFailedAttributes)
        case activityTaskTimedOut(ActivityTaskTimedOutAttributes)
        case activityTaskDeadLettered(ActivityTaskDeadLetteredAttributes)
        case activityTaskDeadLetterRetried(ActivityTaskDeadLetterRetriedAttributes)
        case activityTaskCancelRequested(ActivityTaskCancelRequestedAttributes)
        case activityTaskCanceled(ActivityTaskCanceledAttributes)
        case timerStarted(TimerStartedAttributes)
        case timerFired(TimerFiredAttributes)
        case timerCanceled(TimerCanceledAttributes)
        case workflowExecutionSignaled(WorkflowExecutionSignaledAttributes)
        case markerRecorded(MarkerRecordedAttributes)
        case workflowExecutionCancelRequested(WorkflowExecutionCancelRequestedAttributes)
        case workflowExecutionCanceled(WorkflowExecutionCanceledAttributes)
        case workflowExecutionCompleted(WorkflowExecutionCompletedAttributes)
        case workflowExecutionFailed(WorkflowExecutionFailedAttributes)
        case workflowExecutionTimedOut(WorkflowExecutionTimedOutAttributes)
        case workflowExecutionTerminated(WorkflowExecutionTerminatedAttributes)

        /// The event type this case stands for.
        public var eventType: EventType {
            switch self {
            case .workflowExecutionStarted: .workflowExecutionStarted
            case .workflowTaskScheduled: .workflowTaskScheduled
            case .workflowTaskStarted: .workflowTaskStarted
            case .workflowTaskCompleted: .workflowTaskCompleted
            case .workflowTaskFailed: .workflowTaskFailed
            case .activityTaskScheduled: .activityTaskScheduled
            case .activityTaskStarted: .activityTaskStarted
            case .activityTaskCompleted: .activityTaskCompleted
            case .activityTaskFailed: .activityTaskFailed
            case .activityTaskTimedOut: .activityTaskTimedOut
            case .activityTaskDeadLettered: .activityTaskDeadLettered
            case .activityTaskDeadLetterRetried: .activityTaskDeadLetterRetried
            case .activityTaskCancelRequested: .activityTaskCancelRequested
            case .activityTaskCanceled: .activityTaskCanceled
            case .timerStarted: .timerStarted
            case .timerFired: .timerFired
            case .timerCanceled: .timerCanceled
            case .workflowExecutionSignaled: .workflowExecutionSignaled
            case .markerRecorded: .markerRecorded
            case .workflowExecutionCancelRequested: .workflowExecutionCancelRequested
            case .workflowExecutionCanceled: .workflowExecutionCanceled
            case .workflowExecutionCompleted: .workflowExecutionCompleted
            case .workflowExecutionFailed: .workflowExecutionFailed
            case .workflowExecutionTimedOut: .workflowExecutionTimedOut
            case .workflowExecutionTerminated: .workflowExecutionTerminated
            }
        }

        func encode(to container: inout KeyedEncodingContainer<HistoryEvent.CodingKeys>) throws {
            switch self {
            case .workflowExecutionStarted(let value): try container.encode(value, forKey: .attributes)
            case .workflowTaskScheduled(let value): try container.encode(value, forKey: .attributes)
            case .workflowTaskStarted(let value): try container.encode(value, forKey: .attributes)
            case .workflowTaskCompleted(let value): try container.encode(value, forKey: .attributes)
            case .workflowTaskFailed(let value): try container.encode(value, forKey: .attributes)
            case .activityTaskScheduled(let value): try container.encode(value, forKey: .attributes)
            case .activityTaskStarted(let value): try container.encode(value, forKey: .attributes)
            case .activityTaskCompleted(let value): try container.encode(value, forKey: .attributes)
            case .activityTaskFailed(let value): try container.encode(value, forKey: .attributes)
            case .activityTaskTimedOut(let value): try container.encode(value, forKey: .attributes)
            case .activityTaskDeadLettered(let value): try container.encode(value, forKey: .attributes)
            case .activityTaskDeadLetterRetried(let value): try container.encode(value, forKey: .attributes)
            case .activityTaskCancelRequested(let value): try container.encode(value, forKey: .attributes)
            case .activityTaskCanceled(let value): try container.encode(value, forKey: .attributes)
            case .timerStarted(let value): try container.encode(value, forKey: .attributes)
            case .timerFired(let value): try container.encode(value, forKey: .attributes)
            case .timerCanceled(let value): try container.encode(value, forKey: .attributes)
            case .workflowExecutionSignaled(let value): try container.encode(value, forKey: .attributes)
            case .markerRecorded(let value): try container.encode(value, forKey: .attributes)
            case .workflowExecutionCancelRequested(let value): try container.encode(value, forKey: .attributes)
            case .workflowExecutionCanceled(let value): try container.encode(value, forKey: .attributes)
            case .workflowExecutionCompleted(let value): try container.encode(value, forKey: .attributes)
            case .workflowExecutionFailed(let value): try container.encode(value, forKey: .attributes)
            case .workflowExecutionTimedOut(let value): try container.encode(value, forKey: .attributes)
            case .workflowExecutionTerminated(let value): try container.encode(value, forKey: .attributes)
            }
        }

        init(type: EventType, from container: KeyedDecodingContainer<HistoryEvent.CodingKeys>) throws {
            switch type {
            case .workflowExecutionStarted: self = .workflowExecutionStarted(try container.decode(WorkflowExecutionStartedAttributes.self, forKey: .attributes))
            case .workflowTaskScheduled: self = .workflowTaskScheduled(try container.decode(WorkflowTaskScheduledAttributes.self, forKey: .attributes))
            case .workflowTaskStarted: self = .workflowTaskStarted(try container.decode(WorkflowTaskStartedAttributes.self, forKey: .attributes))
            case .workflowTaskCompleted: self = .workflowTaskCompleted(try container.decode(WorkflowTaskCompletedAttributes.self, forKey: .attributes))
            case .workflowTaskFailed: self = .workflowTaskFailed(try container.decode(WorkflowTaskFailedAttributes.self, forKey: .attributes))
            case .activityTaskScheduled: self = .activityTaskScheduled(try container.decode(ActivityTaskScheduledAttributes.self, forKey: .attributes))
            case .activityTaskStarted: self = .activityTaskStarted(try container.decode(ActivityTaskStartedAttributes.self, forKey: .attributes))
            case .activityTaskCompleted: self = .activityTaskCompleted(try container.decode(ActivityTaskCompletedAttributes.self, forKey: .attributes))
            case .activityTaskFailed: self = .activityTaskFailed(try container.decode(ActivityTaskFailedAttributes.self, forKey: .attributes))
            case .activityTaskTimedOut: self = .activityTaskTimedOut(try container.decode(ActivityTaskTimedOutAttributes.self, forKey: .attributes))
            case .activityTaskDeadLettered: self = .activityTaskDeadLettered(try container.decode(ActivityTaskDeadLetteredAttributes.self, forKey: .attributes))
            case .activityTaskDeadLetterRetried: self = .activityTaskDeadLetterRetried(try container.decode(ActivityTaskDeadLetterRetriedAttributes.self, forKey: .attributes))
            case .activityTaskCancelRequested: self = .activityTaskCancelRequested(try container.decode(ActivityTaskCancelRequestedAttributes.self, forKey: .attributes))
            case .activityTaskCanceled: self = .activityTaskCanceled(try container.decode(ActivityTaskCanceledAttributes.self, forKey: .attributes))
            case .timerStarted: self = .timerStarted(try container.decode(TimerStartedAttributes.self, forKey: .attributes))
            case .timerFired: self = .timerFired(try container.decode(TimerFiredAttributes.self, forKey: .attributes))
            case .timerCanceled: self = .timerCanceled(try container.decode(TimerCanceledAttributes.self, forKey: .attributes))
            case .workflowExecutionSignaled: self = .workflowExecutionSignaled(try container.decode(WorkflowExecutionSignaledAttributes.self, forKey: .attributes))
            case .markerRecorded: self = .markerRecorded(try container.decode(MarkerRecordedAttributes.self, forKey: .attributes))
            case .workflowExecutionCancelRequested: self = .workflowExecutionCancelRequested(try container.decode(WorkflowExecutionCancelRequestedAttributes.self, forKey: .attributes))
            case .workflowExecutionCanceled: self = .workflowExecutionCanceled(try container.decode(WorkflowExecutionCanceledAttributes.self, forKey: .attributes))
            case .workflowExecutionCompleted: self = .workflowExecutionCompleted(try container.decode(WorkflowExecutionCompletedAttributes.self, forKey: .attributes))
            case .workflowExecutionFailed: self = .workflowExecutionFailed(try container.decode(WorkflowExecutionFailedAttributes.self, forKey: .attributes))
            case .workflowExecutionTimedOut: self = .workflowExecutionTimedOut(try container.decode(WorkflowExecutionTimedOutAttributes.self, forKey: .attributes))
            case .workflowExecutionTerminated: self = .workflowExecutionTerminated(try container.decode(WorkflowExecutionTerminatedAttributes.self, forKey: .attributes))
            }
        }
    }
}

/// The type of a history event, spelled as Temporal spells it.
public enum EventType: String, Sendable, Hashable, Codable, CaseIterable {
    case workflowExecutionStarted = "WorkflowExecutionStarted"
    case workflowTaskScheduled = "WorkflowTaskScheduled"
    case workflowTaskStarted = "WorkflowTaskStarted"
    case workflowTaskCompleted = "WorkflowTaskCompleted"
    case workflowTaskFailed = "WorkflowTaskFailed"
    case activityTaskScheduled = "ActivityTaskScheduled"
    case activityTaskStarted = "ActivityTaskStarted"
    case activityTaskCompleted = "ActivityTaskCompleted"
    case activityTaskFailed = "ActivityTaskFailed"
    case activityTaskTimedOut = "ActivityTaskTimedOut"
    case activityTaskDeadLettered = "ActivityTaskDeadLettered"
    case activityTaskDeadLetterRetried = "ActivityTaskDeadLetterRetried"
    case activityTaskCancelRequested = "ActivityTaskCancelRequested"
    case activityTaskCanceled = "ActivityTaskCanceled"
    case timerStarted = "TimerStarted"
    case timerFired = "TimerFired"
    case timerCanceled = "TimerCanceled"
    case workflowExecutionSignaled = "WorkflowExecutionSignaled"
    case markerRecorded = "MarkerRecorded"
    case workflowExecutionCancelRequested = "WorkflowExecutionCancelRequested"
    case workflowExecutionCanceled = "WorkflowExecutionCanceled"
    case workflowExecutionCompleted = "WorkflowExecutionCompleted"
    case workflowExecutionFailed = "WorkflowExecutionFailed"
    case workflowExecutionTimedOut = "WorkflowExecutionTimedOut"
    case workflowExecutionTerminated = "WorkflowExecutionTerminated"
}
