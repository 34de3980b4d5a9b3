import Foundation
import Workflow

/// What a workflow task's `WorkflowTaskStarted` records of the history for the code to read
/// (``WorkflowInfo/historySize`` and ``WorkflowInfo/continueAsNewSuggested``), with Temporal's
/// fields: the stored size the worker knows, and whether the task is told to continue as new.
/// Recorded in the event, so a replay reads the same answers however the history is read later.
package struct WorkflowTaskHistory: Sendable, Equatable {
    /// The stored size, in bytes of event JSON; nil when unknown.
    package var sizeBytes: Int64?
    /// True when the task is told to continue as new; nil (not written) otherwise.
    package var suggestContinueAsNew: Bool?

    package init(sizeBytes: Int64? = nil, suggestContinueAsNew: Bool? = nil) {
        self.sizeBytes = sizeBytes
        self.suggestContinueAsNew = suggestContinueAsNew
    }

    /// For the workflow task whose `WorkflowTaskStarted` is event `startedEventId`, with `bytes`
    /// of history stored, under `limits`' thresholds.
    package init(startedEventId: Int64, bytes: Int64, limits: Limits) {
        self.init(sizeBytes: bytes, suggestContinueAsNew: limits.suggestsContinueAsNew(events: startedEventId, bytes: bytes) ? true : nil)
    }
}
