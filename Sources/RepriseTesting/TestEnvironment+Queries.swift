import Foundation
import Store
import Workflow

extension TestEnvironment {
    /// Sends a declared signal.
    public func signal<Input>(_ workflowId: String, _ signal: SignalDefinition<Input>, _ input: Input) async throws {
        try await self.signal(workflowId, signal.name, input)
    }

    /// Asks a run a declared query, as `POST …/queries/{name}` does: a worker of the run's queue
    /// answers, from its cache or a replay.
    ///
    /// - Throws: ``QueryError`` when the query failed (an unknown name, a handler that threw);
    ///   ``TestEnvironmentError`` when no worker answered within `timeout`.
    public func query<Input, Output>(
        _ workflowId: String, _ query: QueryDefinition<Input, Output>, _ input: Input, runId: UUID? = nil,
        timeout: Duration = TestEnvironment.defaultWait
    ) async throws -> Output {
        let submitted = try await store.submitQuery(
            namespace: namespace, workflowId: workflowId, runId: runId, name: query.name, args: try Payload(encoding: input), timeout: timeout)
        let deadline = ContinuousClock.now + timeout
        var answer: QueryAnswer?
        while answer == nil && ContinuousClock.now < deadline {
            answer = try await store.takeQueryAnswer(id: submitted.id, givingUp: false)
            if answer == nil { try await Task.sleep(for: .milliseconds(5)) }
        }
        if answer == nil { answer = try await store.takeQueryAnswer(id: submitted.id, givingUp: true) }
        switch answer?.outcome {
        case .answered(let result): return try result.decode(as: Output.self)
        case .failed(let code, let message): throw QueryError(.init(code), message)
        case nil: throw TestEnvironmentError(message: "no worker answered query \(query.name) of \(workflowId) within \(timeout)")
        }
    }
}
