import Foundation
import Logging

/// The workflow's only door to the world. Every call is deterministic: it either reads state that
/// history fixes (time, randomness, markers) or emits a command and parks until history resolves it.
///
/// Each await is `throws`: it throws ``CanceledFailure`` (or ``ActivityFailure`` wrapping one) when
/// the workflow is canceled, and an eviction error when the run leaves the worker's cache.
public struct WorkflowContext: Sendable {
    let run: WorkflowRun

    init(run: WorkflowRun) { self.run = run }

    /// The run's identity, its place in a chain of continue-as-new runs, and its history's
    /// length and size as of the current workflow task.
    public var info: WorkflowInfo { run.currentInfo }

    /// The time of the current workflow task, from history. Use it instead of `Date()`.
    public var now: Date { run.state.withLock { $0.now } }

    /// Whether the code is replaying history rather than making progress for the first time.
    public var isReplaying: Bool { run.state.withLock { $0.isReplaying } }

    /// A logger with the run's ids as metadata that stays silent while replaying.
    public var logger: Logger {
        let run = self.run
        let base = run.logger
        var logger = Logger(label: base.label) { _ in
            ReplaySilencingLogHandler(base: base, isReplaying: { run.state.withLock { $0.isReplaying } })
        }
        logger.logLevel = base.logLevel
        return logger
    }

    /// A random number generator seeded from the run, the same on every replay.
    ///
    /// ```swift
    /// var random = context.random
    /// let jitter = Int.random(in: 0..<60, using: &random)
    /// ```
    public var random: WorkflowRandomNumberGenerator { WorkflowRandomNumberGenerator(run: run) }

    /// A random (version 4) UUID drawn from ``random``.
    public func uuid() -> UUID {
        var random = self.random
        let high = random.next()
        let low = random.next()
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: high >> (8 * UInt64(index)))
            bytes[8 + index] = UInt8(truncatingIfNeeded: low >> (8 * UInt64(index)))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
        ))
    }

    /// Runs an activity and waits for its result.
    ///
    /// - Parameters:
    ///   - activity: the activity type; its ``Activity/name`` is recorded.
    ///   - input: the input, encoded as JSON.
    ///   - options: timeouts (start-to-close or schedule-to-close is required), retries, queue.
    /// - Throws: ``ActivityFailure`` when the activity failed for good or was canceled;
    ///   ``InvalidArgumentFailure`` when a timeout or retry interval is negative or longer than
    ///   ``Duration/maximumAccepted`` (it fails the workflow unless caught).
    public func execute<A: Activity>(_ activity: A.Type, _ input: A.Input, options: ActivityOptions) async throws
        -> A.Output
    {
        try checkOnWorkflowThread("execute")
        guard options.startToCloseTimeout != nil || options.scheduleToCloseTimeout != nil else {
            throw WorkflowTaskError(
                code: .workflowBug,
                message: "activity \(A.name) needs startToCloseTimeout or scheduleToCloseTimeout in its ActivityOptions")
        }
        try options.validate()
        let payload = try Payload(encoding: input)
        let name = A.name  // Computed once: the default name reflects on the type.
        let result = try await park(.activity) { seq, state in
            state.activityTypes[seq] = name
            state.commands.append(
                .scheduleActivity(.init(seq: seq, activityType: name, input: payload, options: options)))
        }
        return try (result ?? .null).decode(as: A.Output.self)
    }

    /// Waits for a duration of workflow time, with a durable timer. A zero duration still records
    /// a timer, as Temporal does.
    ///
    /// - Throws: ``CanceledFailure`` when the workflow is canceled first; ``InvalidArgumentFailure``
    ///   when `duration` is negative or longer than ``Duration/maximumAccepted`` (it fails the
    ///   workflow unless caught).
    public func sleep(for duration: Duration) async throws {
        try checkOnWorkflowThread("sleep")
        try await startTimer(try duration.checked("sleep(for:)"))
    }

    /// Waits for a signal and decodes its payload.
    ///
    /// Signals that arrive while nobody waits are buffered per name, and a handler registered with
    /// ``setSignalHandler(_:as:_:)`` takes precedence over waiting.
    ///
    /// - Returns: the payload, or `nil` when `timeout` passed first.
    /// - Throws: ``InvalidArgumentFailure`` when `timeout` is negative or longer than
    ///   ``Duration/maximumAccepted``.
    public func waitForSignal<T: Decodable & Sendable>(_ name: String, as type: T.Type = T.self, timeout: Duration? = nil)
        async throws -> T?
    {
        try checkOnWorkflowThread("waitForSignal")
        _ = try timeout?.checked("waitForSignal(timeout:)")
        let buffered = run.state.withLock { state -> Payload? in
            guard var queue = state.signalBuffer[name], !queue.isEmpty else { return nil }
            let first = queue.removeFirst()
            state.signalBuffer[name] = queue
            return first
        }
        if let buffered { return try buffered.decode(as: T.self) }
        let wait: @Sendable () async throws -> Payload? = {
            try await park(.signal) { seq, state in state.signalWaiters[name, default: []].append(seq) }
        }
        guard let timeout else { return try (try await wait() ?? .null).decode(as: T.self) }
        // A signal delivered in the same workflow task as the timeout loses the race but is kept
        // for the next wait, as a Go selector leaves it in its channel.
        let requeue: @Sendable (Payload?) -> Void = { payload in
            run.state.withLock { $0.signalBuffer[name, default: []].insert(payload ?? .null, at: 0) }
        }
        guard case .value(let payload) = try await race(wait, timeout: timeout, lateValue: requeue) else { return nil }
        return try (payload ?? .null).decode(as: T.self)
    }

    /// Registers the handler that runs, as a child task of the run, for every signal of this name.
    /// Signals buffered before the registration are handed to it in arrival order.
    public func setSignalHandler<T: Decodable & Sendable>(
        _ name: String, as type: T.Type = T.self, _ handler: @escaping @Sendable (T) async throws -> Void
    ) {
        let buffered = run.state.withLock { state -> [Payload] in
            state.signalHandlers[name] = { payload in try await handler(try payload.decode(as: T.self)) }
            return state.signalBuffer.removeValue(forKey: name) ?? []
        }
        for payload in buffered { run.deliverSignal(named: name, payload: payload) }
    }

    /// Waits until `predicate` is true. Predicates are re-checked whenever the workflow is otherwise
    /// blocked, in the order the waits began; each round resumes at most one waiter.
    ///
    /// - Returns: `true` when the predicate held, `false` when `timeout` passed first.
    /// - Throws: ``InvalidArgumentFailure`` when `timeout` is negative or longer than
    ///   ``Duration/maximumAccepted``.
    @discardableResult
    public func condition(timeout: Duration? = nil, _ predicate: @escaping @Sendable () -> Bool) async throws -> Bool {
        try checkOnWorkflowThread("condition")
        _ = try timeout?.checked("condition(timeout:)")
        if predicate() { return true }
        let wait: @Sendable () async throws -> Payload? = {
            try await park(.condition) { seq, state in state.conditions[seq] = predicate }
        }
        guard let timeout else {
            _ = try await wait()
            return true
        }
        if case .value = try await race(wait, timeout: timeout) { return true }
        return false
    }

    /// Runs `body` once and records its value in history, so replay returns the recorded value
    /// instead of running it again. For small non-deterministic values (an id, a flag), not I/O.
    public func sideEffect<T: Codable & Sendable>(_ body: () throws -> T) throws -> T {
        try checkOnWorkflowThread("sideEffect")
        let (seq, replaying, recorded) = run.state.withLock { state in
            let seq = state.nextSideEffectSeq
            state.nextSideEffectSeq += 1
            return (seq, state.isReplaying, state.recordedSideEffects[seq])
        }
        let payload: Payload
        if replaying {
            guard let recorded else {
                throw recordTaskFailure(
                    WorkflowTaskError.nonDeterminism(
                        run: run.info, eventId: run.lastEventId, expected: nil,
                        emitted: "RecordMarker {markerName: \"SideEffect\", sideEffectId: \(seq)}"))
            }
            payload = recorded
        } else {
            payload = try Payload(encoding: try body())
        }
        run.state.withLock { state in
            state.commands.append(
                .recordMarker(.init(name: Command.Marker.sideEffectName, details: ["sideEffectId": .int(Int64(seq)), "data": payload])))
        }
        return try payload.decode(as: T.self)
    }

    /// Versioning: `true` in runs that reach this point with the new code, `false` when replaying a
    /// history recorded before the patch. The answer is stable for the rest of the run.
    ///
    /// ```swift
    /// if context.patched("send-sms") { try await context.execute(SendSMS.self, …) }
    /// ```
    public func patched(_ id: String) -> Bool {
        run.state.withLock { state in
            if let decided = state.patchDecisions[id] { return decided }
            let patched = !state.isReplaying || state.recordedPatches.contains(id)
            state.patchDecisions[id] = patched
            if patched {
                state.commands.append(.recordMarker(.init(name: Command.Marker.patchName, details: ["patchId": .string(id)])))
            }
            return patched
        }
    }

    /// Runs `body` shielded from the workflow's cancellation, for compensation: inside it,
    /// activities and timers run normally even after a cancel request.
    public func withCancellationShield<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try checkOnWorkflowThread("withCancellationShield")
        // An unstructured task does not inherit cancellation, and the executor preference keeps it
        // inside the run; eviction still unwinds it through its parked awaits.
        return try await Task(executorPreference: run.executor) { try await body() }.value
    }
}

extension WorkflowContext {
    /// Parks the calling task on a new wait of `kind`, after `register` has recorded its command.
    /// `seq` names a wait that reuses another's number (a child's result, its start's); nil takes the next of `kind`.
    func park(_ kind: WaitKey.Kind, seq: Int? = nil, register: (Int, inout RunState) -> Void) async throws -> Payload? {
        let canceled = Task.isCancelled
        let key = try run.state.withLock { state -> WaitKey in
            if state.evicting { throw WorkflowTaskError.evicted }
            let key = WaitKey(kind: kind, seq: seq ?? state.takeSeq(kind))
            if !canceled { register(key.seq, &state) }
            return key
        }
        if canceled {
            throw kind == .activity
                ? ActivityFailure(activityId: String(key.seq), activityType: "", cause: CanceledFailure().failure)
                : CanceledFailure()
        }
        let run = self.run
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                run.state.withLock { $0.parked[key] = continuation }
            }
        } onCancel: {
            run.state.withLock { _ = $0.pendingCancels.insert(key) }
        }
    }

    /// Records a durable timer and waits for it; the duration is already checked.
    private func startTimer(_ duration: Duration) async throws {
        _ = try await park(.timer) { seq, state in state.commands.append(.startTimer(seq: seq, duration: duration)) }
    }

    private enum RaceResult { case value(Payload?), timedOut }

    /// Races a wait against a durable timer; the loser is canceled (a timer by `CancelTimer`).
    /// A wait that was resolved in the same workflow task as the timer, and lost, hands its value
    /// to `lateValue`.
    private func race(
        _ wait: @escaping @Sendable () async throws -> Payload?, timeout: Duration, lateValue: (Payload?) -> Void = { _ in }
    ) async throws -> RaceResult {
        try await withThrowingTaskGroup(of: RaceResult.self) { group in
            group.addTask { .value(try await wait()) }
            group.addTask {
                try await startTimer(timeout)
                return .timedOut
            }
            let first = try await group.next() ?? .timedOut
            group.cancelAll()
            if case .timedOut = first, case .value(let late)? = try? await group.next() { lateValue(late) }
            return first
        }
    }

    /// Context calls from anywhere but the run's drain (an actor, a detached task) are escapes.
    func checkOnWorkflowThread(_ api: String) throws {
        guard run.executor.isOnActivationThread else {
            // A query handler runs off the executor too, but it is no escape: it is refused.
            let refusal = QueryError(
                .notReadOnly,
                "WorkflowContext.\(api) was called from a query handler; a query only reads the workflow's state, it cannot schedule, wait or record")
            // Kept in the state too, so a handler that catches the error still fails the query.
            let inQuery = run.state.withLock { state in
                if state.queryInProgress { state.queryRefusal = state.queryRefusal ?? refusal }
                return state.queryInProgress
            }
            if inQuery { throw refusal }
            throw recordTaskFailure(
                .escape("WorkflowContext.\(api) was called outside the workflow's own executor"))
        }
    }

    private func recordTaskFailure(_ error: WorkflowTaskError) -> WorkflowTaskError {
        run.state.withLock { state in state.taskFailure = state.taskFailure ?? error }
        return error
    }
}

/// The generator behind ``WorkflowContext/random``; all copies draw from the run's one sequence.
public struct WorkflowRandomNumberGenerator: RandomNumberGenerator, Sendable {
    let run: WorkflowRun

    public mutating func next() -> UInt64 { run.state.withLock { $0.random.next() } }
}

/// Drops every record while the run replays, so a log line is written once per real event.
struct ReplaySilencingLogHandler: LogHandler {
    var base: Logger
    let isReplaying: @Sendable () -> Bool

    var metadata: Logger.Metadata {
        get { base.handler.metadata }
        set { base.handler.metadata = newValue }
    }

    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        guard !isReplaying() else { return }
        base.handler.log(event: event)
    }
}
