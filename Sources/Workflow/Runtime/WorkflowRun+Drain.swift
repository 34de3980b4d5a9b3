/// The activation loop: drain, resume canceled waits, re-check conditions, until nothing moves.
extension WorkflowRun {
    /// Drains the executor until the workflow is blocked. Canceled waits are resumed in key order,
    /// then wait conditions are re-checked in sequence order and at most one is resumed per round.
    func runUntilQuiescent() {
        while true {
            executor.drain()
            if flushCancellations() { continue }
            if resumeFirstTrueCondition() { continue }
            return
        }
    }

    /// Resumes the waits whose tasks were canceled, emitting the cancel commands, in key order.
    @discardableResult
    func flushCancellations() -> Bool {
        let canceled = state.withLock { state -> [(WaitKey, RunState.Continuation)] in
            guard !state.pendingCancels.isEmpty else { return [] }
            let keys = state.pendingCancels.sorted()
            state.pendingCancels.removeAll()
            return keys.compactMap { key in
                guard let continuation = state.parked.removeValue(forKey: key) else { return nil }
                switch key.kind {
                case .activity: state.commands.append(.requestCancelActivity(seq: key.seq))
                case .timer: state.commands.append(.cancelTimer(seq: key.seq))
                case .condition: state.conditions.removeValue(forKey: key.seq)
                case .signal:
                    for name in state.signalWaiters.keys { state.signalWaiters[name]?.removeAll { $0 == key.seq } }
                case .handlerInbox, .closing, .childStart, .childResult, .externalSignal, .externalCancel: break
                }
                return (key, continuation)
            }
        }
        for (key, continuation) in canceled {
            if key.kind == .activity {
                let type = state.withLock { $0.activityTypes[key.seq] ?? "" }
                continuation.resume(
                    throwing: ActivityFailure(activityId: String(key.seq), activityType: type, cause: CanceledFailure().failure))
            } else {
                continuation.resume(throwing: CanceledFailure())
            }
        }
        return !canceled.isEmpty
    }

    private func resumeFirstTrueCondition() -> Bool {
        let conditions = state.withLock { $0.conditions.isEmpty ? [] : $0.conditions.sorted { $0.key < $1.key } }
        // Predicates run outside the lock: they read workflow state and may call the context.
        guard let (seq, _) = conditions.first(where: { $0.value() }) else { return false }
        resolve(WaitKey(kind: .condition, seq: seq), with: .success(nil))
        return true
    }

    /// Unwinds the run: every parked await throws an eviction error, and the executor drains until
    /// all of the run's tasks have returned. Call it when dropping a run from the cache.
    package func evict() {
        executor.beginActivation()
        defer { executor.endActivation() }
        while true {
            let parked = state.withLock { state -> [RunState.Continuation] in
                state.evicting = true
                state.conditions.removeAll()
                state.signalWaiters.removeAll()
                let parked = state.parked.sorted { $0.key < $1.key }.map(\.value)
                state.parked.removeAll()
                return parked
            }
            if parked.isEmpty { break }
            for continuation in parked { continuation.resume(throwing: WorkflowTaskError.evicted) }
            executor.drain()
        }
    }

    /// Whether every task of the run has returned: true after ``evict()`` unless the code escaped.
    package var isUnwound: Bool {
        rootTask.withLock { $0 == nil } || state.withLock { $0.rootFinished }
    }
}
