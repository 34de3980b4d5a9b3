import Foundation
import Workflow

/// The limits on what workflow and activity code can grow (issue 15): a run's history, its
/// pending activities and signals, and the payloads it writes. The failures name the size and
/// the limit, so that the run's author knows what to change.
extension Limits {
    /// The failure types these limits end a run or an attempt with.
    public enum FailureTypes {
        public static let historyLimitExceeded = "HistoryLimitExceeded"
        public static let pendingActivitiesLimitExceeded = "PendingActivitiesLimitExceeded"
        public static let pendingChildrenLimitExceeded = "PendingChildWorkflowsLimitExceeded"
        public static let payloadTooLarge = "PayloadTooLarge"
    }

    /// The size of a payload as history stores it: its JSON, in bytes.
    public static func size(of payload: Payload?) -> Int {
        guard let payload, let data = try? JSONCoding.encoder.encode(payload) else { return 0 }
        return data.count
    }

    /// A non-retryable `PayloadTooLarge` failure when `payload` is over ``maxPayloadBytes``.
    public func payloadFailure(_ payload: Payload?, of what: String) -> Failure? {
        let size = Self.size(of: payload)
        guard size > maxPayloadBytes else { return nil }
        return Failure(
            message: "\(what): \(size) bytes of JSON; the limit is \(maxPayloadBytes) (Limits.maxPayloadBytes): store large data elsewhere and pass a reference",
            type: FailureTypes.payloadTooLarge, nonRetryable: true)
    }

    /// Why a workflow task with these commands must fail its run instead of being recorded, or nil.
    ///
    /// - Parameters:
    ///   - lastEventId: the id of the last event the task would write.
    ///   - historyBytes: the run's stored history size before the task.
    ///   - pendingActivities: the run's activities scheduled and not finished before the task.
    ///   - pendingChildren: the run's children started and still open before the task.
    ///
    /// A task that continues as new passes the history limits: it ends the run, and a fresh
    /// history is the remedy the limits ask for.
    func workflowTaskFailure(commands: [Command], lastEventId: Int64, historyBytes: Int64, pendingActivities: Int, pendingChildren: Int = 0)
        -> Failure?
    {
        let continues = commands.contains { if case .continueAsNew = $0 { true } else { false } }
        if !continues, lastEventId >= maxHistoryEvents || historyBytes >= maxHistoryBytes {
            let what = lastEventId >= maxHistoryEvents
                ? "\(lastEventId) events; the limit is \(maxHistoryEvents) (Limits.maxHistoryEvents)"
                : "\(historyBytes) bytes; the limit is \(maxHistoryBytes) (Limits.maxHistoryBytes)"
            return Failure(
                message: "the run's history has reached \(what): the run is failed rather than grown further; split the work into shorter runs",
                type: FailureTypes.historyLimitExceeded, nonRetryable: true)
        }
        var scheduled = 0
        var children = 0
        for command in commands {
            switch command {
            case .scheduleActivity: scheduled += 1
            case .startChildWorkflow: children += 1
            case .completeWorkflow(let result):
                if let failure = payloadFailure(result, of: "the workflow's result") { return failure }
            case .continueAsNew(let command):
                if let failure = payloadFailure(command.input, of: "the input of continue-as-new") { return failure }
            case .upsertSearchAttributes(let attributes):
                if let failure = payloadFailure(.object(attributes), of: "the search attributes upserted") { return failure }
            default: break
            }
        }
        if scheduled > 0, pendingActivities + scheduled > maxPendingActivities {
            return Failure(
                message: "the workflow task schedules \(scheduled) activities with \(pendingActivities) pending; the limit is \(maxPendingActivities) pending activities per run (Limits.maxPendingActivities)",
                type: FailureTypes.pendingActivitiesLimitExceeded, nonRetryable: true)
        }
        if children > 0, pendingChildren + children > maxPendingChildren {
            return Failure(
                message: "the workflow task starts \(children) children with \(pendingChildren) open; the limit is \(maxPendingChildren) open children per run (Limits.maxPendingChildren)",
                type: FailureTypes.pendingChildrenLimitExceeded, nonRetryable: true)
        }
        return nil
    }

    /// Whether a workflow task that starts at `events` events and `bytes` bytes of stored history
    /// is told to continue as new (``WorkflowInfo/continueAsNewSuggested``).
    public func suggestsContinueAsNew(events: Int64, bytes: Int64) -> Bool {
        events >= continueAsNewSuggestedEvents || bytes >= continueAsNewSuggestedBytes
    }

    /// The warnings `describe` shows for a run's history.
    func historyWarnings(events: Int64, bytes: Int64) -> [String] {
        var warnings: [String] = []
        if events >= historyWarningEvents {
            warnings.append("the history has \(events) events; at \(maxHistoryEvents) the run fails with \(FailureTypes.historyLimitExceeded)")
        }
        if bytes >= historyWarningBytes {
            warnings.append("the history is \(bytes) bytes; at \(maxHistoryBytes) the run fails with \(FailureTypes.historyLimitExceeded)")
        }
        return warnings
    }
}
