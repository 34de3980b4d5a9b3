import Foundation
import Workflow

/// Children in the harness: each runs in a harness of its own, found by type in the parent's
/// registry, with the parent's activities. Its start, its close, and the signals and cancel
/// requests sent to it are answered with the events the engine writes.
extension WorkflowHarness {
    /// Answers the child commands that history has not answered yet, and records the close of
    /// children that have closed since. Returns whether it added any event.
    func advanceChildren() async throws -> Bool {
        var answered: Set<Int64> = []
        for event in builder.events {
            switch event.attributes {
            case .childWorkflowExecutionStarted(let a): answered.insert(a.initiatedEventId)
            case .startChildWorkflowExecutionFailed(let a): answered.insert(a.initiatedEventId)
            case .externalWorkflowExecutionSignaled(let a): answered.insert(a.initiatedEventId)
            case .signalExternalWorkflowExecutionFailed(let a): answered.insert(a.initiatedEventId)
            case .externalWorkflowExecutionCancelRequested(let a): answered.insert(a.initiatedEventId)
            case .requestCancelExternalWorkflowExecutionFailed(let a): answered.insert(a.initiatedEventId)
            default: break
            }
        }
        var progressed = false
        for event in builder.events where !answered.contains(event.eventId) {
            switch event.attributes {
            case .startChildWorkflowExecutionInitiated(let initiated):
                try startChild(initiated, initiatedEventId: event.eventId)
            case .signalExternalWorkflowExecutionInitiated(let signal):
                if let child = openChild(signal.workflowId) {
                    child.builder.signal(signal.signalName, input: signal.input)
                    builder.append(
                        .externalWorkflowExecutionSignaled(
                            .init(namespace: signal.namespace, workflowId: signal.workflowId, runId: signal.runId, initiatedEventId: event.eventId)))
                } else {
                    builder.append(
                        .signalExternalWorkflowExecutionFailed(
                            .init(
                                namespace: signal.namespace, workflowId: signal.workflowId, runId: signal.runId,
                                cause: ChildWorkflowFailure.Causes.notFound, initiatedEventId: event.eventId,
                                workflowTaskCompletedEventId: signal.workflowTaskCompletedEventId)))
                }
            case .requestCancelExternalWorkflowExecutionInitiated(let cancel):
                if let child = openChild(cancel.workflowId) {
                    child.cancel(reason: cancel.reason)
                    builder.append(
                        .externalWorkflowExecutionCancelRequested(
                            .init(namespace: cancel.namespace, workflowId: cancel.workflowId, runId: cancel.runId, initiatedEventId: event.eventId)))
                } else {
                    builder.append(
                        .requestCancelExternalWorkflowExecutionFailed(
                            .init(
                                namespace: cancel.namespace, workflowId: cancel.workflowId, runId: cancel.runId,
                                cause: ChildWorkflowFailure.Causes.notFound, initiatedEventId: event.eventId,
                                workflowTaskCompletedEventId: cancel.workflowTaskCompletedEventId)))
                }
            default:
                continue
            }
            progressed = true
        }
        for (initiatedEventId, child) in children.sorted(by: { $0.key < $1.key }) where !child.isClosed {
            try await child.runUntilBlocked()
            guard let closing = child.closingEvent else { continue }
            builder.append(closeEvent(of: child, closing: closing, initiatedEventId: initiatedEventId))
            progressed = true
        }
        if progressed { builder.scheduleWorkflowTask() }
        return progressed
    }

    private func openChild(_ workflowId: String) -> WorkflowHarness? {
        children.values.first { $0.info.workflowId == workflowId && !$0.isClosed }
    }

    private func startChild(_ initiated: HistoryEvent.StartChildWorkflowExecutionInitiatedAttributes, initiatedEventId: Int64) throws {
        if openChild(initiated.workflowId) != nil || initiated.workflowId == info.workflowId {
            builder.append(
                .startChildWorkflowExecutionFailed(
                    .init(
                        namespace: initiated.namespace, workflowId: initiated.workflowId, workflowType: initiated.workflowType,
                        cause: ChildWorkflowFailure.Causes.alreadyStarted, initiatedEventId: initiatedEventId,
                        workflowTaskCompletedEventId: initiated.workflowTaskCompletedEventId)))
            return
        }
        guard registry.names.contains(initiated.workflowType) else {
            throw WorkflowHarnessError(
                message: """
                    workflow \(info.workflowType) started child workflow \(initiated.workflowType), which the harness's registry lacks; \
                    pass a registry that holds it
                    """)
        }
        let runId = "\(info.runId)-child-\(initiatedEventId)"
        children[initiatedEventId] = try WorkflowHarness(
            named: initiated.workflowType, input: initiated.input, registry: registry, workflowId: initiated.workflowId, runId: runId,
            activities: activities, now: builder.now)
        builder.append(
            .childWorkflowExecutionStarted(
                .init(
                    namespace: initiated.namespace, initiatedEventId: initiatedEventId, workflowId: initiated.workflowId, runId: runId,
                    workflowType: initiated.workflowType)))
    }

    private func closeEvent(of child: WorkflowHarness, closing: HistoryEvent, initiatedEventId: Int64) -> HistoryEvent.Attributes {
        let (ns, id, run, type) = ("default", child.info.workflowId, child.info.runId, child.info.workflowType)
        let started = builder.events.first {
            if case .childWorkflowExecutionStarted(let a) = $0.attributes { a.initiatedEventId == initiatedEventId } else { false }
        }?.eventId ?? 0
        switch closing.attributes {
        case .workflowExecutionCompleted(let completed):
            return .childWorkflowExecutionCompleted(
                .init(
                    namespace: ns, workflowId: id, runId: run, workflowType: type, initiatedEventId: initiatedEventId, startedEventId: started,
                    result: completed.result))
        case .workflowExecutionCanceled(let canceled):
            return .childWorkflowExecutionCanceled(
                .init(
                    namespace: ns, workflowId: id, runId: run, workflowType: type, initiatedEventId: initiatedEventId, startedEventId: started,
                    details: canceled.details))
        case .workflowExecutionFailed(let failed):
            return .childWorkflowExecutionFailed(
                .init(
                    namespace: ns, workflowId: id, runId: run, workflowType: type, initiatedEventId: initiatedEventId, startedEventId: started,
                    failure: failed.failure))
        case .workflowExecutionTimedOut:
            return .childWorkflowExecutionTimedOut(
                .init(namespace: ns, workflowId: id, runId: run, workflowType: type, initiatedEventId: initiatedEventId, startedEventId: started))
        default:
            return .childWorkflowExecutionTerminated(
                .init(namespace: ns, workflowId: id, runId: run, workflowType: type, initiatedEventId: initiatedEventId, startedEventId: started))
        }
    }
}
