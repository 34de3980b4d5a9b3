import Foundation
import Store
import Workflow

/// The request and response bodies of the HTTP API. Field names are the contract scripts rely on.
enum API {
    struct StartRequest: Decodable {
        var workflowId: String
        var type: String
        var taskQueue: String?
        var input: Payload?
        var idReusePolicy: WorkflowIdReusePolicy?
        var idConflictPolicy: WorkflowIdConflictPolicy?
        var executionTimeout: DurationValue?
        var searchAttributes: Payload?
        var memo: Payload?
        var requestId: String?
        /// Update-with-start: an update sent to the run once it has started.
        var update: StartUpdate?
    }

    struct StartResponse: Encodable {
        var workflowId: String
        var runId: UUID
        /// What the caller should know about the run: that no live worker serves its type on its
        /// queue, say. Empty when nothing.
        var warnings: [String]
        /// The outcome of the update the start carried.
        var update: UpdateResponse? = nil
    }

    struct ListResponse: Encodable {
        var workflows: [WorkflowExecutionSummary]
        var nextPageToken: String?
    }

    struct PendingActivityBody: Encodable {
        var activityId: String
        var type: String
        var state: String
        var attempt: Int
        var lastFailure: Failure?
        var heartbeatDetails: Payload?
        var deadLetterId: UUID?
    }

    struct DescribeResponse: Encodable {
        var workflowId: String
        var runId: UUID
        var type: String
        var taskQueue: String
        var status: WorkflowStatus
        var startTime: Date
        var closeTime: Date?
        var input: Payload?
        var result: Payload?
        var failure: Failure?
        var historyLength: Int64
        var historyBytes: Int64
        /// What the run is close to (a long or large history), and, while it is open, that no live
        /// worker serves its type on its queue; empty when nothing.
        var warnings: [String]
        var pendingActivities: [PendingActivityBody]
        var pendingTimers: [PendingTimer]
        var pendingChildren: [PendingChildBody]
        var taskFailure: TaskFailureRecord?
        var searchAttributes: Payload?
        var memo: Payload?
        /// The run this one continued (continue-as-new), when there is one.
        var continuedExecutionRunId: UUID?
        /// The run that continued this one, when it closed `ContinuedAsNew`.
        var newExecutionRunId: UUID?

        init(_ description: WorkflowExecutionDescription) {
            workflowId = description.workflowId
            runId = description.runId
            type = description.type
            taskQueue = description.taskQueue
            status = description.status
            startTime = description.startTime
            closeTime = description.closeTime
            input = description.input
            result = description.result
            failure = description.failure
            historyLength = description.historyLength
            historyBytes = description.historyBytes
            warnings = description.warnings
            pendingActivities = description.pendingActivities.map {
                PendingActivityBody(
                    activityId: $0.activityId, type: $0.activityType, state: $0.state, attempt: $0.attempt, lastFailure: $0.lastFailure,
                    heartbeatDetails: $0.heartbeatDetails, deadLetterId: $0.deadLetterId)
            }
            pendingTimers = description.pendingTimers
            pendingChildren = description.pendingChildren.map {
                PendingChildBody(
                    workflowId: $0.workflowId, runId: $0.runId, type: $0.workflowType, initiatedEventId: $0.initiatedEventId,
                    parentClosePolicy: $0.parentClosePolicy)
            }
            taskFailure = description.taskFailure
            searchAttributes = description.searchAttributes
            memo = description.memo
            continuedExecutionRunId = description.continuedExecutionRunId
            newExecutionRunId = description.newExecutionRunId
        }
    }

    /// A child of the described run that is still open.
    struct PendingChildBody: Encodable {
        var workflowId: String
        var runId: UUID
        var type: String
        var initiatedEventId: Int64
        var parentClosePolicy: ParentClosePolicy
    }

    /// A page of a run's history: `nextPageToken` is there when more events follow.
    struct HistoryPage: Encodable {
        var events: [HistoryEvent]
        var nextPageToken: String?
    }

    struct TerminateRequest: Decodable {
        var reason: String?
    }

    struct DeadLetterBody: Encodable {
        var id: UUID
        var workflowId: String
        var runId: UUID
        var workflowType: String
        var activityId: String
        var activityType: String
        var attempts: Int
        var lastFailure: Failure
        var deadAt: Date
        var input: Payload?
        var state: String
        var handledAt: Date?

        init(_ letter: DeadLetter) {
            id = letter.id
            workflowId = letter.workflowId
            runId = letter.runId
            workflowType = letter.workflowType
            activityId = letter.activityId
            activityType = letter.activityType
            attempts = letter.attempts
            lastFailure = letter.lastFailure
            deadAt = letter.deadAt
            input = letter.input
            state = letter.state
            handledAt = letter.handledAt
        }
    }

    struct DeadLettersResponse: Encodable {
        var deadLetters: [DeadLetterBody]
    }

    struct RetryRequest: Decodable {
        var input: Payload?
    }

    struct FailRequest: Decodable {
        var message: String?
    }

    struct ResolveRequest: Decodable {
        var result: Payload?

        enum CodingKeys: String, CodingKey { case result }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            guard container.contains(.result) else {
                throw DecodingError.keyNotFound(CodingKeys.result, .init(codingPath: [], debugDescription: "result is required"))
            }
            result = try container.decode(Payload.self, forKey: .result)
        }
    }

    struct NamespaceRequest: Decodable {
        var name: String
        var retentionDays: Int?
    }

    struct NamespaceBody: Encodable {
        var name: String
        var retentionDays: Int
    }

    struct NamespacesResponse: Encodable {
        var namespaces: [NamespaceBody]
    }

    struct TokenRequest: Decodable {
        var role: TokenRole
    }

    struct TokenResponse: Encodable {
        var token: String
        var namespace: String?
        var role: TokenRole
    }

    struct Accepted: Encodable {
        var accepted = true
    }
}

/// A duration given as seconds (`30`) or as text (`"30s"`, `"5m"`, `"2h"`, `"7d"`). Decoding only
/// reads the number; the route checks its range against ``Limits``, so that no size of number
/// reaches a `Duration` unchecked.
struct DurationValue: Decodable {
    var seconds: Double

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let seconds = try? container.decode(Double.self) {
            self.seconds = seconds
            return
        }
        let text = try container.decode(String.self)
        guard let parsed = Duration.parseSeconds(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "\"\(text.prefix(40))\" is not a duration; use seconds or a number with ms, s, m, h or d")
        }
        seconds = parsed
    }
}
