import Foundation

/// An update declared once, by name, argument type and result type (see
/// ``WorkflowContext/setUpdateHandler(_:validator:_:)``). Unlike a query, an accepted update is
/// recorded in history and its handler may do anything the workflow may.
///
/// ## Usage
/// ```swift
/// static let approve = UpdateDefinition<Approval, String>("approveOutreach")
/// context.setUpdateHandler(Self.approve, validator: { _ in
///     guard draft.isWaiting else { throw ApplicationFailure("no draft is waiting for approval") }
/// }) { approval in
///     draft.approve(by: approval.approver)
///     return "approved"
/// }
/// ```
public struct UpdateDefinition<Input: Codable & Sendable, Output: Codable & Sendable>: Sendable, Hashable {
    /// The update's name, as history, the HTTP API and the CLI spell it.
    public let name: String

    public init(_ name: String, input: Input.Type = Input.self, output: Output.Type = Output.self) { self.name = name }
}

/// An update's validator and handler, over payloads.
struct UpdateHandler: Sendable {
    var validate: @Sendable (Payload) throws -> Void
    var run: @Sendable (Payload) async throws -> Payload
}

/// An accepted update as its event delivers it.
struct AcceptedUpdate: Sendable {
    var request: HistoryEvent.UpdateRequest
    var acceptedEventId: Int64
}

extension WorkflowContext {
    /// Registers an update's validator and handler, replacing earlier ones. Updates accepted
    /// before the registration are handed to it in order.
    ///
    /// - Parameters:
    ///   - validator: runs before the update is accepted, read-only as a query handler is (no
    ///     context call that records history). Throwing rejects the update: nothing is written to
    ///     history, and the caller gets the error's message.
    ///   - handler: runs as a child task of the run once the update is accepted
    ///     (`WorkflowExecutionUpdateAccepted`); what it returns, or the ``ApplicationFailure`` it
    ///     throws, is recorded in `WorkflowExecutionUpdateCompleted` and answered to the caller.
    ///     Any other error is a bug: it fails the workflow task.
    public func setUpdateHandler<Input, Output>(
        _ update: UpdateDefinition<Input, Output>, validator: (@Sendable (Input) throws -> Void)? = nil,
        _ handler: @escaping @Sendable (Input) async throws -> Output
    ) {
        let name = update.name
        @Sendable func decode(_ payload: Payload) throws -> Input {
            do {
                return try payload.decode(as: Input.self)
            } catch {
                throw ApplicationFailure("the arguments of update \(name) do not decode as \(Input.self): \(error)", type: "InvalidUpdateArguments")
            }
        }
        let entry = UpdateHandler(
            validate: { payload in try validator?(try decode(payload)) },
            run: { payload in try Payload(encoding: try await handler(try decode(payload))) })
        let buffered = run.state.withLock { state -> [AcceptedUpdate] in
            state.updateHandlers[name] = entry
            return state.updateBuffer.removeValue(forKey: name) ?? []
        }
        for update in buffered { run.deliverUpdate(update) }
    }
}

extension WorkflowRun {
    /// Runs an accepted update's handler as a child task, or buffers it until one is registered.
    func deliverUpdate(_ update: AcceptedUpdate) {
        let name = update.request.input.name
        let queued = state.withLock { state -> Bool in
            guard let handler = state.updateHandlers[name] else {
                state.updateBuffer[name, default: []].append(update)
                return false
            }
            state.handlerInvocations.append { await self.runUpdate(handler, update) }
            return true
        }
        if queued { wakeHandlerInbox() }
    }

    /// Runs a handler and records its outcome as a command; a bug fails the workflow task.
    private func runUpdate(_ handler: UpdateHandler, _ update: AcceptedUpdate) async {
        let outcome: HistoryEvent.UpdateOutcome
        do {
            outcome = .init(success: try await handler.run(update.request.input.args ?? .null))
        } catch {
            switch classify(error) {
            case .taskFailed(let failure):
                state.withLock { state in
                    if !state.evicting { state.taskFailure = state.taskFailure ?? failure }
                }
                return
            default:
                outcome = .init(failure: Failure(error))
            }
        }
        state.withLock { state in
            guard !state.evicting else { return }
            state.commands.append(
                .completeUpdate(.init(updateId: update.request.meta.updateId, acceptedEventId: update.acceptedEventId, outcome: outcome)))
        }
    }

    /// Runs an update's validator against the run's current state, read-only, as a query runs.
    ///
    /// - Throws: ``QueryError`` with code ``QueryError/Code/rejected`` when the run has no such
    ///   update or the validator threw; ``QueryError/Code/notReadOnly`` when it tried to record.
    package func validateUpdate(_ name: String, input: Payload) throws {
        try readOnly { state in
            guard let handler = state.updateHandlers[name] else {
                let known = state.updateHandlers.keys.sorted()
                throw QueryError(
                    .rejected,
                    "workflow \(info.workflowType) has no update \(name); known updates: \(known.isEmpty ? "none" : known.joined(separator: ", "))")
            }
            return {
                do {
                    try handler.validate(input)
                } catch let error as QueryError where error.code == .notReadOnly {
                    throw error
                } catch let failure as ApplicationFailure {
                    throw QueryError(.rejected, failure.message)
                } catch {
                    throw QueryError(.rejected, "the validator of update \(name) threw \(String(reflecting: error))")
                }
            }
        }
    }
}
