/// Children in the run: matching their command events, and delivering their events to the code.
extension WorkflowRun {
    /// Whether a child command matches its recorded event: by workflow id, and by workflow type
    /// or signal name.
    func matchesChildCommand(_ command: Command, _ event: HistoryEvent) -> Bool {
        switch (command, event.attributes) {
        case (.startChildWorkflow(let command), .startChildWorkflowExecutionInitiated(let event)):
            command.workflowId == event.workflowId && command.workflowType == event.workflowType
        case (.signalExternalWorkflow(let command), .signalExternalWorkflowExecutionInitiated(let event)):
            command.workflowId == event.workflowId && command.signalName == event.signalName
        case (.requestCancelExternalWorkflow(let command), .requestCancelExternalWorkflowExecutionInitiated(let event)):
            command.workflowId == event.workflowId
        default:
            false
        }
    }

    /// Remembers which wait a matched child command event stands for.
    func recordMatchedChildCommand(_ command: Command, eventId: Int64) {
        state.withLock { state in
            switch command {
            case .startChildWorkflow(let start): state.children.seqByInitiatedEventId[eventId] = start.seq
            case .signalExternalWorkflow(let signal):
                state.children.requestByInitiatedEventId[eventId] = WaitKey(kind: .externalSignal, seq: signal.seq)
            case .requestCancelExternalWorkflow(let cancel):
                state.children.requestByInitiatedEventId[eventId] = WaitKey(kind: .externalCancel, seq: cancel.seq)
            default: break
            }
        }
    }

    /// The events about children that a workflow task delivers to the code.
    static func isChildInput(_ type: EventType) -> Bool {
        switch type {
        case .startChildWorkflowExecutionFailed, .childWorkflowExecutionStarted, .childWorkflowExecutionCompleted,
            .childWorkflowExecutionFailed, .childWorkflowExecutionCanceled, .childWorkflowExecutionTimedOut,
            .childWorkflowExecutionTerminated, .externalWorkflowExecutionSignaled, .signalExternalWorkflowExecutionFailed,
            .externalWorkflowExecutionCancelRequested, .requestCancelExternalWorkflowExecutionFailed:
            true
        default:
            false
        }
    }

    /// Resolves the wait a child event answers.
    func deliverChildEvent(_ event: HistoryEvent) {
        switch event.attributes {
        case .childWorkflowExecutionStarted(let started):
            guard let seq = childSeq(started.initiatedEventId) else { return }
            state.withLock { $0.children.bySeq[seq]?.runId = started.runId }
            resolve(WaitKey(kind: .childStart, seq: seq), with: .success(.string(started.runId)))
        case .startChildWorkflowExecutionFailed(let failed):
            guard let seq = childSeq(failed.initiatedEventId) else { return }
            let failure = ChildWorkflowFailure(
                workflowId: failed.workflowId, runId: "", workflowType: failed.workflowType,
                cause: Failure(
                    message: "workflow id \"\(failed.workflowId)\" is taken by an open run, or its id reuse policy refuses the closed one",
                    type: failed.cause, nonRetryable: true))
            resolve(WaitKey(kind: .childStart, seq: seq), with: .failure(failure))
        case .childWorkflowExecutionCompleted(let closed):
            finishChild(closed.initiatedEventId, with: { _ in .success(closed.result) })
        case .childWorkflowExecutionFailed(let closed):
            finishChild(closed.initiatedEventId, with: { .failure($0(closed.failure)) })
        case .childWorkflowExecutionCanceled(let closed):
            finishChild(closed.initiatedEventId, with: { .failure($0(Failure(message: "canceled", type: Failure.Types.canceled, details: closed.details))) })
        case .childWorkflowExecutionTimedOut(let closed):
            finishChild(closed.initiatedEventId, with: { .failure($0(Failure(message: "child workflow execution timed out", type: Failure.Types.timeout))) })
        case .childWorkflowExecutionTerminated(let closed):
            finishChild(closed.initiatedEventId, with: { .failure($0(Failure(message: "terminated", type: Failure.Types.terminated))) })
        case .externalWorkflowExecutionSignaled(let done):
            finishRequest(done.initiatedEventId, failure: nil)
        case .externalWorkflowExecutionCancelRequested(let done):
            finishRequest(done.initiatedEventId, failure: nil)
        case .signalExternalWorkflowExecutionFailed(let failed):
            finishRequest(failed.initiatedEventId, failure: requestFailure(workflowId: failed.workflowId, runId: failed.runId, cause: failed.cause, what: "signal"))
        case .requestCancelExternalWorkflowExecutionFailed(let failed):
            finishRequest(
                failed.initiatedEventId, failure: requestFailure(workflowId: failed.workflowId, runId: failed.runId, cause: failed.cause, what: "cancel request"))
        default:
            break
        }
    }

    private func childSeq(_ initiatedEventId: Int64) -> Int? {
        state.withLock { $0.children.seqByInitiatedEventId[initiatedEventId] }
    }

    /// Records a child's outcome and resumes a `result()` that waits for it.
    private func finishChild(_ initiatedEventId: Int64, with outcome: ((Failure) -> ChildWorkflowFailure) -> Result<Payload?, ChildWorkflowFailure>) {
        guard let (seq, child) = state.withLock({ state -> (Int, ChildBookkeeping.Child)? in
            guard let seq = state.children.seqByInitiatedEventId.removeValue(forKey: initiatedEventId),
                let child = state.children.bySeq[seq]
            else { return nil }
            return (seq, child)
        }) else { return }
        let result = outcome { ChildWorkflowFailure(workflowId: child.workflowId, runId: child.runId ?? "", workflowType: child.workflowType, cause: $0) }
        state.withLock { $0.children.results[seq] = result }
        resolve(WaitKey(kind: .childResult, seq: seq), with: result.mapError { $0 })
    }

    private func finishRequest(_ initiatedEventId: Int64, failure: ChildWorkflowFailure?) {
        guard let key = state.withLock({ $0.children.requestByInitiatedEventId.removeValue(forKey: initiatedEventId) }) else { return }
        resolve(key, with: failure.map { .failure($0) } ?? .success(nil))
    }

    private func requestFailure(workflowId: String, runId: String?, cause: String, what: String) -> ChildWorkflowFailure {
        let type = state.withLock { $0.children.child(workflowId: workflowId)?.workflowType } ?? ""
        return ChildWorkflowFailure(
            workflowId: workflowId, runId: runId ?? "", workflowType: type,
            cause: Failure(message: "the \(what) found no open run of workflow \"\(workflowId)\"", type: cause, nonRetryable: true))
    }
}
