import Hummingbird
import Store

extension APIServer {
    /// `GET /api/v1/whoami`: what the caller's token grants, so that a client (the console) offers
    /// only the actions its role allows. Any valid token may ask, and learns only about itself.
    func addSessionRoutes(to router: Router<BasicRequestContext>) {
        router.get("/api/v1/whoami") { request, _ in
            let grant = try await grant(for: request)
            return try JSONBody.response(
                API.SessionBody(role: grant.role, namespace: grant.namespace, tokenRequired: !configuration.insecure))
        }
    }
}

extension API {
    /// A token's grant as the API tells it to its holder.
    struct SessionBody: Encodable {
        /// `reader`, `writer`, `operator`, `admin` or `metrics`; `admin` on a server without tokens.
        var role: TokenRole
        /// The one namespace the token covers, or `nil` for every namespace (admin) or none (metrics).
        var namespace: String?
        /// Whether the server checks tokens (`false` for `reprise dev` and `--insecure`).
        var tokenRequired: Bool

        enum CodingKeys: String, CodingKey { case role, namespace, tokenRequired }

        /// `namespace` is always present, `null` when the token is not scoped to one.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(role, forKey: .role)
            try container.encode(namespace, forKey: .namespace)
            try container.encode(tokenRequired, forKey: .tokenRequired)
        }
    }
}
