import Gateway
import Workflow

/// `llm.complete`: one completion through the gateway, charged to the calling run's namespace and
/// to the run in the ledger.
///
/// Failures follow the gateway's types: a 429 is retried after the provider's `retry-after`;
/// budgets, the run's ceilings, spend limits, a `tenant` other than the run's namespace and bad
/// requests are not retryable, so with `deadLetter: true` such a call waits in the dead-letter
/// queue for a human.
public struct LLMComplete: Activity {
    public static let name = "llm.complete"

    let gateway: Gateway

    public init(gateway: Gateway) { self.gateway = gateway }

    public func run(input: LLMRequest) async throws -> LLMResponse {
        // The namespace is the tenant: without the run's context there is no one to charge.
        guard let info = ActivityContext.current?.info else {
            throw ApplicationFailure("llm.complete runs only as an activity of a run", type: LLMFailure.invalidRequest, nonRetryable: true)
        }
        return try await gateway.complete(
            input, caller: LLMCaller(namespace: info.namespace, workflowId: info.workflowId, runId: info.runId, activityId: info.activityId))
    }
}
