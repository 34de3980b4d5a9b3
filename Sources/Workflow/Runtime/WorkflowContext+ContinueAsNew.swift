import Foundation

extension WorkflowContext {
    /// Ends this run and starts a new run of the same workflow id, type and task queue with
    /// `input`, in one transaction (Temporal's continue-as-new). The new run has a fresh history,
    /// so a workflow that lives for years (a subscription billing every month) keeps each run's
    /// history short. Call it as the last statement of `run`; it never returns.
    ///
    /// ```swift
    /// try await context.continueAsNew(input: Input(period: input.period + 1, customer: input.customer))
    /// ```
    ///
    /// What the new run gets:
    /// - the same workflow id, type and task queue; the chain's execution timeout (the deadline
    ///   stays the first run's); the search attributes and memo;
    /// - signals this run received that no code took (no handler, no waiting `waitForSignal`), in
    ///   arrival order per name. Signals that arrive while the switch is written wait for it and
    ///   go to the new run. A signal given to a handler counts as delivered to this run: let its
    ///   handler finish (``condition(timeout:_:)``) before continuing as new.
    ///
    /// The old run closes with status `ContinuedAsNew` and the event
    /// `WorkflowExecutionContinuedAsNew`, which names the new run.
    ///
    /// - Throws: ``CanceledFailure`` when the workflow has been asked to cancel (as every context
    ///   await does; inside ``withCancellationShield(_:)`` the run continues as new instead); a
    ///   ``PayloadError`` when `input` cannot be encoded (a workflow task failure, retried).
    public func continueAsNew<I: Encodable & Sendable>(input: I) async throws -> Never {
        try checkOnWorkflowThread("continueAsNew")
        if Task.isCancelled { throw CanceledFailure() }
        let payload = try Payload(encoding: input)
        let info = run.info
        let key = try run.state.withLock { state -> WaitKey in
            if state.evicting { throw WorkflowTaskError.evicted }
            if state.outcome == nil {
                // What no handler or waiter took goes to the new run; by name, then arrival.
                let carried = state.signalBuffer.keys.sorted().flatMap { name in
                    (state.signalBuffer[name] ?? []).map { Command.CarriedSignal(name: name, input: $0) }
                }
                state.signalBuffer.removeAll()
                state.outcome = .continuedAsNew(
                    .init(workflowType: info.workflowType, taskQueue: info.taskQueue, input: payload, carriedSignals: carried))
            }
            return WaitKey(kind: .closing, seq: state.takeSeq(.closing))
        }
        // The run has ended: park until the worker evicts it, which unwinds this task.
        _ = try await withCheckedThrowingContinuation { continuation in
            run.state.withLock { $0.parked[key] = continuation }
        }
        throw WorkflowTaskError.evicted
    }
}

extension WorkflowRun {
    /// ``WorkflowInfo`` with the current workflow task's history figures and the chain's run ids.
    var currentInfo: WorkflowInfo {
        var info = self.info
        let history = state.withLock { $0.history }
        info.historyLength = history.length
        info.historySize = history.size
        info.continueAsNewSuggested = history.continueAsNewSuggested
        info.continuedExecutionRunId = history.continuedExecutionRunId ?? info.continuedExecutionRunId
        info.firstExecutionRunId = history.firstExecutionRunId ?? info.firstExecutionRunId
        return info
    }
}
