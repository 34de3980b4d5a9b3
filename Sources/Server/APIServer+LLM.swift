import Foundation
import Gateway
import Hummingbird
import Store
import Workflow

extension APIServer {
    func addLLMRoutes(to router: Router<BasicRequestContext>) {
        router.post("/api/v1/namespaces/:namespace/llm/complete") { request, context in
            var request = request
            let namespace = try Self.pathParameter("namespace", in: context)
            try await authorize(request, namespace: namespace, needs: .writer)
            guard let gateway else { throw APIError(.serviceUnavailable, code: "GatewayNotConfigured", "this server has no LLM gateway") }
            let body = try await JSONBody.decode(LLMRequest.self, from: &request, limit: configuration.maxBodySize)
            do {
                return try JSONBody.response(try await gateway.complete(body, caller: LLMCaller(namespace: namespace)))
            } catch let failure as ApplicationFailure {
                throw Self.apiError(for: failure)
            }
        }

        router.get("/api/v1/namespaces/:namespace/llm/usage") { request, context in
            let namespace = try Self.pathParameter("namespace", in: context)
            try await authorize(request, namespace: namespace, needs: .reader)
            guard let gateway else { throw APIError(.serviceUnavailable, code: "GatewayNotConfigured", "this server has no LLM gateway") }
            let groupBy = request.uri.queryParameters["groupBy"].map(String.init) ?? "model"
            guard ["model", "day", "run"].contains(groupBy) else { throw APIError.badRequest("groupBy must be model, day or run") }
            return try JSONBody.response(["usage": try await database { try await gateway.usage(namespace: namespace, groupBy: groupBy) }])
        }
    }

    /// A gateway failure as an HTTP error: the caller's mistakes are 4xx (a tenant other than the
    /// route's namespace is 403), the provider's 502.
    static func apiError(for failure: ApplicationFailure) -> APIError {
        let status: HTTPResponse.Status =
            switch failure.type {
            case LLMFailure.unknownTaskClass, LLMFailure.invalidRequest, LLMFailure.modelNotPriced, LLMFailure.badRequest: .badRequest
            case LLMFailure.budgetExceeded, LLMFailure.runCostCeiling, LLMFailure.runCallLimit, LLMFailure.spendLimit:
                .init(code: 402, reasonPhrase: "Payment Required")
            case LLMFailure.tenantMismatch: .forbidden
            case LLMFailure.rateLimited: .tooManyRequests
            default: .badGateway
            }
        return APIError(status, code: failure.type, failure.message)
    }
}
