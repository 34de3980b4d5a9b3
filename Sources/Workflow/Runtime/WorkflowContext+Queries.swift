import Foundation

/// Queries: read-only handlers that answer from the run's state, and the typed forms of the
/// signal calls (``SignalDefinition``).
extension WorkflowContext {
    /// Registers the handler that answers queries of this name, replacing an earlier one.
    ///
    /// The handler runs outside the workflow's executor, between workflow tasks, against the state
    /// the last completed workflow task left (a replay rebuilds it when the run is not cached). It
    /// must only read: a call that would record history (an activity, a timer, a side effect, a
    /// signal wait) throws ``QueryError`` with code ``QueryError/Code/notReadOnly``, and whatever the
    /// handler changes in the run's own state (its random sequence, say) is undone afterwards.
    /// State that the workflow and its handlers share must be `Sendable` (a `Mutex`, say).
    ///
    /// - Throws from the handler: an ``ApplicationFailure`` is the query's answer as an error
    ///   (`QueryFailed`); so is an argument that does not decode as `Input`.
    public func setQueryHandler<Input: Decodable & Sendable, Output: Encodable & Sendable>(
        _ name: String, as input: Input.Type = Input.self, _ handler: @escaping @Sendable (Input) throws -> Output
    ) {
        run.state.withLock { state in
            state.queryHandlers[name] = { payload in
                let input: Input
                do {
                    input = try payload.decode(as: Input.self)
                } catch {
                    throw QueryError(.failed, "the arguments of query \(name) do not decode as \(Input.self): \(error)")
                }
                return try Payload(encoding: try handler(input))
            }
        }
    }

    /// Registers the handler of a declared query (see ``setQueryHandler(_:as:_:)``).
    public func setQueryHandler<Input, Output>(
        _ query: QueryDefinition<Input, Output>, _ handler: @escaping @Sendable (Input) throws -> Output
    ) {
        setQueryHandler(query.name, as: Input.self, handler)
    }

    /// Waits for a declared signal (see ``waitForSignal(_:as:timeout:)``).
    ///
    /// - Returns: the payload, or `nil` when `timeout` passed first.
    public func waitForSignal<Input>(_ signal: SignalDefinition<Input>, timeout: Duration? = nil) async throws -> Input? {
        try await waitForSignal(signal.name, as: Input.self, timeout: timeout)
    }

    /// Registers the handler of a declared signal (see ``setSignalHandler(_:as:_:)``).
    public func setSignalHandler<Input>(_ signal: SignalDefinition<Input>, _ handler: @escaping @Sendable (Input) async throws -> Void) {
        setSignalHandler(signal.name, as: Input.self, handler)
    }
}

extension ChildWorkflowHandle {
    /// Sends the child a declared signal (see ``signal(_:_:)``).
    public func signal<Input>(_ signal: SignalDefinition<Input>, _ input: Input) async throws {
        try await self.signal(signal.name, input)
    }
}

/// Why a query got no answer: the code says which way it failed, for the HTTP API.
public struct QueryError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure, stable for clients.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public var description: String { rawValue }
        public init(_ rawValue: String) { self.rawValue = rawValue }

        /// The workflow registered no handler of this name (the message lists those it has).
        public static let unknownQuery = Code("QueryNotFound")
        /// The handler threw, or its arguments did not decode.
        public static let failed = Code("QueryFailed")
        /// The handler tried to do what only the workflow may: schedule, wait or record.
        public static let notReadOnly = Code("QueryNotReadOnly")
        /// An update's validator rejected it, or the workflow has no such update.
        public static let rejected = Code("UpdateRejected")
        /// The run has not completed its first workflow task, so it has registered no handler yet.
        public static let notStarted = Code("RunNotStarted")
        /// The worker could not rebuild the run's state (non-determinism, an unknown type).
        public static let workerFailed = Code("QueryWorkerFailed")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

extension WorkflowRun {
    /// Answers a query from the run's current state, outside any activation. The run's state is
    /// restored afterwards, so nothing the handler does reaches history or the next workflow task.
    ///
    /// - Throws: ``QueryError``: an unknown name (listing the known ones), a handler that threw or
    ///   tried to schedule; ``WorkflowTaskError`` when the run is being activated.
    package func query(_ name: String, input: Payload) throws -> Payload {
        try readOnly { state in
            guard let handler = state.queryHandlers[name] else {
                let known = state.queryHandlers.keys.sorted()
                throw QueryError(
                    .unknownQuery,
                    "workflow \(info.workflowType) has no query \(name); known queries: \(known.isEmpty ? "none" : known.joined(separator: ", "))")
            }
            return {
                do {
                    return try handler(input)
                } catch let error as QueryError {
                    throw error
                } catch let failure as ApplicationFailure {
                    throw QueryError(.failed, failure.message)
                } catch {
                    throw QueryError(.failed, "query \(name) threw \(String(reflecting: error))")
                }
            }
        }
    }

    /// Runs what `pick` chooses from the run's state outside any activation, with every context
    /// call that records refused; the run's state is restored afterwards, so nothing the code does
    /// reaches history or the next workflow task.
    func readOnly<T>(_ pick: (RunState) throws -> () throws -> T) throws -> T {
        try progress.withLock { progress in
            if let failed = progress.failed { throw failed }
            guard !progress.busy else {
                throw WorkflowTaskError(code: .invalidHistory, message: "the run is being activated")
            }
            progress.busy = true
        }
        defer { progress.withLock { $0.busy = false } }
        let saved = state.withLock { state -> RunState in
            let saved = state
            state.queryInProgress = true
            return saved
        }
        defer { state.withLock { $0 = saved } }
        let body = try pick(saved)
        let answer = try body()
        // A refused call that the code caught still fails the query.
        if let refusal = state.withLock({ $0.queryRefusal }) { throw refusal }
        return answer
    }

    /// The names of the queries the run answers.
    package var queryNames: [String] { state.withLock { $0.queryHandlers.keys.sorted() } }
}
