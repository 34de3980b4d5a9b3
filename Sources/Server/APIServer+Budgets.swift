import Gateway
import Hummingbird
import Store

extension APIServer {
    /// `GET /api/v1/namespaces/{ns}/llm/budgets`: the namespace's LLM budgets against their limits
    /// in the current period, for a reader (the console's cost view; `reprise llm budget` sets them).
    func addBudgetRoutes(to router: Router<BasicRequestContext>) {
        router.get("/api/v1/namespaces/:namespace/llm/budgets") { request, context in
            let namespace = try Self.pathParameter("namespace", in: context)
            try await authorize(request, namespace: namespace, needs: .reader)
            guard let gateway else { throw APIError(.serviceUnavailable, code: "GatewayNotConfigured", "this server has no LLM gateway") }
            return try JSONBody.response(["budgets": try await database { try await gateway.budgets(namespace: namespace) }])
        }
    }
}
