import Gateway
import Workflow

/// `llm.complete`: one completion through the gateway, charged to the calling run in the ledger.
///
/// Failures follow the gateway's types: a 429 is retried after the provider's `retry-after`;
/// budgets, the run's ceilings, spend limits and bad requests are not retryable, so with
/// `deadLetter: true` such a call waits in the dead-letter queue for a human.
public struct LLMComplete: Activity {
    public static let name = "llm.complete"

    let gateway: Gateway

    public init(gateway: Gateway) { self.gateway = gateway }

    public func run(input: LLMRequest) async throws -> LLMResponse {
        let info = ActivityContext.current?.info
        return try await gateway.complete(
            input,
            caller: LLMCaller(namespace: info?.namespace ?? "default", workflowId: info?.workflowId, runId: info?.runId, activityId: info?.activityId))
    }
}
