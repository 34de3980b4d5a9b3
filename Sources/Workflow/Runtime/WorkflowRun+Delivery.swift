/// Delivering history to the code: resolving parked awaits, signals and cancellation. Each step
/// only enqueues jobs; the drain runs them, so the order is the history's order.
extension WorkflowRun {
    func deliver(_ event: HistoryEvent) {
        switch event.attributes {
        case .activityTaskCompleted(let attributes):
            resolveActivity(scheduledEventId: attributes.scheduledEventId) { _ in .success(attributes.result ?? .null) }
        case .activityTaskFailed(let attributes):
            resolveActivity(scheduledEventId: attributes.scheduledEventId) { .failure($0(attributes.failure)) }
        case .activityTaskTimedOut(let attributes):
            resolveActivity(scheduledEventId: attributes.scheduledEventId) { .failure($0(attributes.failure)) }
        case .activityTaskCanceled(let attributes):
            // The await was already resolved as canceled when the cancel was requested.
            state.withLock { state in
                if let seq = state.activitySeqByScheduledEventId.removeValue(forKey: attributes.scheduledEventId) {
                    state.activityTypes.removeValue(forKey: seq)
                }
            }
        case .timerFired(let attributes):
            if let seq = Int(attributes.timerId) { resolve(WaitKey(kind: .timer, seq: seq), with: .success(nil)) }
        case .workflowExecutionSignaled(let attributes):
            deliverSignal(named: attributes.signalName, payload: attributes.input ?? .null)
        case .workflowExecutionUpdateAccepted(let attributes):
            deliverUpdate(AcceptedUpdate(request: attributes.acceptedRequest, acceptedEventId: event.eventId))
        case .workflowExecutionCancelRequested:
            state.withLock { $0.cancelRequested = true }
            // Cancellation reaches the code as Swift task cancellation of the root and its children.
            rootTask.withLock { $0 }?.cancel()
            flushCancellations()
        default:
            deliverChildEvent(event)
        }
    }

    private func resolveActivity(
        scheduledEventId: Int64, _ result: ((Failure) -> ActivityFailure) -> Result<Payload?, any Error>
    ) {
        // A terminal event ends the activity's bookkeeping, so a long run's cache entry stays small.
        guard let (seq, type) = state.withLock({ state -> (Int, String)? in
            guard let seq = state.activitySeqByScheduledEventId.removeValue(forKey: scheduledEventId) else { return nil }
            return (seq, state.activityTypes.removeValue(forKey: seq) ?? "")
        }) else { return }
        let outcome = result { ActivityFailure(activityId: String(seq), activityType: type, cause: $0) }
        resolve(WaitKey(kind: .activity, seq: seq), with: outcome)
    }

    /// Resumes a parked await; a wait that is gone (canceled, say) ignores late results.
    func resolve(_ key: WaitKey, with result: Result<Payload?, any Error>) {
        let continuation = state.withLock { state -> RunState.Continuation? in
            if key.kind == .condition { state.conditions.removeValue(forKey: key.seq) }
            return state.parked.removeValue(forKey: key)
        }
        continuation?.resume(with: result)
    }

    /// A signal goes to its handler, else to the longest-waiting `waitForSignal`, else to a buffer.
    func deliverSignal(named name: String, payload: Payload) {
        enum Route { case handler, waiter(Int), buffered }
        let route = state.withLock { state -> Route in
            if let handler = state.signalHandlers[name] {
                state.handlerInvocations.append { await self.runHandler(handler, payload: payload) }
                return .handler
            }
            if var waiters = state.signalWaiters[name], !waiters.isEmpty {
                let seq = waiters.removeFirst()
                state.signalWaiters[name] = waiters
                return .waiter(seq)
            }
            state.signalBuffer[name, default: []].append(payload)
            return .buffered
        }
        switch route {
        case .handler: wakeHandlerInbox()
        case .waiter(let seq): resolve(WaitKey(kind: .signal, seq: seq), with: .success(payload))
        case .buffered: break
        }
    }

    func wakeHandlerInbox() {
        let inbox = state.withLock { state -> RunState.Continuation? in
            guard !state.handlerInvocations.isEmpty else { return nil }
            return state.parked.removeValue(forKey: WaitKey(kind: .handlerInbox, seq: 0))
        }
        inbox?.resume(returning: nil)
    }

    /// The root task's wait for the next signal handler to run. It ignores cancellation, so handlers
    /// still run (canceled) after a cancel request; it ends when the main function returns.
    func nextHandlerInvocation() async throws -> (@Sendable () async -> Void)? {
        while true {
            let next = state.withLock { state -> (@Sendable () async -> Void)?? in
                if !state.handlerInvocations.isEmpty { return .some(state.handlerInvocations.removeFirst()) }
                return state.handlerInboxOpen && !state.evicting ? .none : .some(nil)
            }
            if let next { return next }
            _ = try await withCheckedThrowingContinuation { continuation in
                state.withLock { $0.parked[WaitKey(kind: .handlerInbox, seq: 0)] = continuation }
            }
        }
    }

    private func runHandler(_ handler: @Sendable (Payload) async throws -> Void, payload: Payload) async {
        do {
            try await handler(payload)
        } catch {
            let outcome = classify(error)
            state.withLock { state in
                guard state.outcome == nil, !state.evicting else { return }
                if case .taskFailed(let failure) = outcome {
                    state.taskFailure = state.taskFailure ?? failure
                } else if case .failed = outcome {
                    state.outcome = outcome
                }
            }
        }
    }
}
