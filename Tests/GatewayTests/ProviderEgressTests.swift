import Foundation
import Gateway
import Testing
import TestSupport
import Workflow

/// A provider's base URL must pass the egress policy before the gateway sends anything to it.
@Suite("Provider base URLs and egress")
struct ProviderEgressTests {
    @Test func aBaseURLOnLoopbackIsRefusedUnlessTheAllowListNamesIt() async throws {
        let provider = StandInProvider { _, _ in .init(body: StandInProvider.anthropic()) }
        try await withGateway(provider: provider, configure: { $0.egress = EgressPolicy() }) { gateway, _ in
            let refused = await #expect(throws: ApplicationFailure.self) {
                try await gateway.complete(LLMRequest(taskClass: "icp_score", messages: [message("score")], cache: "off"), caller: caller)
            }
            #expect(refused?.nonRetryable == true)
            #expect(refused?.message.contains("egress refused") == true && refused?.message.contains("loopback") == true, "\(String(describing: refused))")
            #expect(provider.requests.isEmpty, "nothing may reach a refused address")
        }
        let loopback = try EgressPolicy(allowList: "127.0.0.0/8")
        try await withGateway(provider: provider, configure: { $0.egress = loopback }) { gateway, _ in
            let answer = try await gateway.complete(LLMRequest(taskClass: "icp_score", messages: [message("score")], cache: "off"), caller: caller)
            #expect(answer.content == "ok")
            #expect(provider.requests.count == 1)
        }
    }
}
