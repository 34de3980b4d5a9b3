import Workflow

/// The workflow: it greets through the `greet` activity and returns the greeting.
///
/// Workflow code reaches the world only through the context: the engine records each step, so
/// that after a crash the code replays to where it stopped.
public struct Hello: Workflow {
    public init() {}

    public func run(context: WorkflowContext, input: Greeting) async throws -> String {
        try await context.execute(Greet.self, input, options: ActivityOptions(startToCloseTimeout: .seconds(10)))
    }
}
