/// Child workflows: a workflow starts another run, waits for its result, signals it or asks it to
/// cancel, with Temporal's semantics (docs/workflows.md, "Child workflows").
extension WorkflowContext {
    /// Starts a child run and waits for its result.
    ///
    /// ## Usage
    /// ```swift
    /// do {
    ///     let receipt = try await context.executeChild(SubscriptionDunning.self, input, options: .init(workflowId: "dunning-42"))
    /// } catch let failure as ChildWorkflowFailure {
    ///     context.logger.warning("dunning failed", metadata: ["cause": "\(failure.cause.message)"])
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - type: the child's workflow type; its ``Workflow/name`` is recorded.
    ///   - input: the child's input, encoded as JSON.
    ///   - options: its workflow id, queue, execution timeout, id reuse and parent close policies.
    /// - Returns: the child's result.
    /// - Throws: ``ChildWorkflowFailure`` when the child could not start, or failed, was canceled,
    ///   timed out or was terminated; ``CanceledFailure`` when this workflow is canceled while it
    ///   waits (the child then follows its ``ParentClosePolicy`` when this run closes);
    ///   ``InvalidArgumentFailure`` for options ``ChildWorkflowOptions/validate()`` refuses.
    public func executeChild<W: Workflow>(_ type: W.Type, _ input: W.Input, options: ChildWorkflowOptions = .init()) async throws -> W.Output {
        try await startChild(type, input, options: options).result()
    }

    /// Starts a child run and returns once it has started, with a handle to await its result,
    /// signal it or ask it to cancel.
    ///
    /// The child starts in the same transaction that records this command
    /// (`StartChildWorkflowExecutionInitiated`), and this call returns at
    /// `ChildWorkflowExecutionStarted`.
    ///
    /// - Throws: ``ChildWorkflowFailure`` with cause type
    ///   ``ChildWorkflowFailure/Causes/alreadyStarted`` when the workflow id is taken by an open run
    ///   or the id reuse policy refuses a closed one; otherwise as ``executeChild(_:_:options:)``.
    public func startChild<W: Workflow>(_ type: W.Type, _ input: W.Input, options: ChildWorkflowOptions = .init()) async throws
        -> ChildWorkflowHandle<W>
    {
        try checkOnWorkflowThread("startChild")
        try options.validate()
        let payload = try Payload(encoding: input)
        let name = W.name  // Computed once: the default name reflects on the type.
        let nextSeq = run.state.withLock { $0.nextSeq[.childStart, default: 1] }
        let workflowId = options.workflowId ?? "\(info.workflowId)-\(nextSeq)"
        try ChildWorkflowOptions.checkIdentifier(workflowId, field: "the child's default workflow id")
        let started = try await park(.childStart) { seq, state in
            state.children.bySeq[seq] = .init(workflowId: workflowId, workflowType: name)
            state.commands.append(
                .startChildWorkflow(
                    .init(
                        seq: seq, workflowId: workflowId, workflowType: name, taskQueue: options.taskQueue, input: payload,
                        executionTimeout: options.executionTimeout, idReusePolicy: options.idReusePolicy,
                        parentClosePolicy: options.parentClosePolicy)))
        }
        guard case .string(let runId)? = started else {
            throw WorkflowTaskError(code: .invalidHistory, message: "ChildWorkflowExecutionStarted of \"\(workflowId)\" carried no run id")
        }
        return ChildWorkflowHandle(context: self, seq: nextSeq, workflowId: workflowId, runId: runId)
    }

    /// The outcome of child `seq`: recorded already, or awaited.
    func childResult(seq: Int) async throws -> Payload? {
        let recorded = try run.state.withLock { state -> Result<Payload?, ChildWorkflowFailure>? in
            if let result = state.children.results[seq] { return result }
            guard state.parked[WaitKey(kind: .childResult, seq: seq)] == nil else {
                throw WorkflowTaskError(code: .workflowBug, message: "two tasks await the result of child \(seq) at once; await it in one and share the value")
            }
            return nil
        }
        if let recorded { return try recorded.get() }
        return try await park(.childResult, seq: seq) { _, _ in }
    }

    /// Signals child `workflowId`, returning once the signal is in its history.
    func signalChild(workflowId: String, runId: String, name: String, input: Payload) async throws {
        try ChildWorkflowOptions.checkIdentifier(name, field: "signal name")
        _ = try await park(.externalSignal) { seq, state in
            state.commands.append(
                .signalExternalWorkflow(.init(seq: seq, workflowId: workflowId, runId: runId, signalName: name, input: input)))
        }
    }

    /// Asks child `workflowId` to cancel, returning once the request is in its history.
    func cancelChild(workflowId: String, runId: String) async throws {
        _ = try await park(.externalCancel) { seq, state in
            state.commands.append(.requestCancelExternalWorkflow(.init(seq: seq, workflowId: workflowId, runId: runId)))
        }
    }
}

/// A started child run (``WorkflowContext/startChild(_:_:options:)``). Use it only inside the
/// workflow that started the child.
///
/// ## Usage
/// ```swift
/// let handle = try await context.startChild(Dunning.self, input)
/// try await handle.signal("retry-now", RetryNow())
/// let receipt = try await handle.result()
/// ```
public struct ChildWorkflowHandle<W: Workflow>: Sendable {
    let context: WorkflowContext
    let seq: Int
    /// The child's workflow id.
    public let workflowId: String
    /// The child's run id.
    public let runId: String

    init(context: WorkflowContext, seq: Int, workflowId: String, runId: String) {
        self.context = context
        self.seq = seq
        self.workflowId = workflowId
        self.runId = runId
    }

    /// Waits for the child to close; returns at once when it has. Await it from one task at a time.
    ///
    /// - Throws: ``ChildWorkflowFailure`` when the child failed, was canceled, timed out or was
    ///   terminated; ``CanceledFailure`` when this workflow is canceled while it waits.
    public func result() async throws -> W.Output {
        try context.checkOnWorkflowThread("ChildWorkflowHandle.result")
        return try (try await context.childResult(seq: seq) ?? .null).decode(as: W.Output.self)
    }

    /// Sends the child a signal (`SignalExternalWorkflowExecutionInitiated`) and returns once it
    /// is in the child's history (`ExternalWorkflowExecutionSignaled`).
    ///
    /// - Throws: ``ChildWorkflowFailure`` with cause type ``ChildWorkflowFailure/Causes/notFound``
    ///   when the child has closed; ``InvalidArgumentFailure`` for an empty, too long or
    ///   control-character name.
    public func signal(_ name: String, _ input: some Encodable & Sendable) async throws {
        try context.checkOnWorkflowThread("ChildWorkflowHandle.signal")
        try await context.signalChild(workflowId: workflowId, runId: runId, name: name, input: try Payload(encoding: input))
    }

    /// Asks the child to cancel (`RequestCancelExternalWorkflowExecutionInitiated`) and returns
    /// once the request is in its history (`ExternalWorkflowExecutionCancelRequested`). Await
    /// ``result()`` to see how the child ended.
    ///
    /// - Throws: ``ChildWorkflowFailure`` with cause type ``ChildWorkflowFailure/Causes/notFound``
    ///   when the child has closed.
    public func cancel() async throws {
        try context.checkOnWorkflowThread("ChildWorkflowHandle.cancel")
        try await context.cancelChild(workflowId: workflowId, runId: runId)
    }
}
