import Hummingbird
import Store

extension APIServer {
    /// Checks the bearer token for a route: 401 without a valid token, 404 for a namespace the
    /// token does not cover (so a token never learns which other namespaces exist), 403 for a role
    /// below the route's.
    ///
    /// - Parameters:
    ///   - namespace: the route's namespace, or `nil` for an admin route.
    ///   - role: the least role the route needs.
    ///   - namespaceCheckedByStore: the route's store call answers NamespaceNotFound itself (a
    ///     start does), so the existence check is left to it.
    /// - Returns: the caller's identity, for history.
    @discardableResult
    func authorize(_ request: Request, namespace: String?, needs role: TokenRole, namespaceCheckedByStore: Bool = false) async throws
        -> String
    {
        let grant = try await grant(for: request)
        if let namespace {
            try configuration.limits.checkIdentifier(namespace, field: "namespace")
            if let scope = grant.namespace, scope != namespace {
                throw APIError(.notFound, code: StoreError.Code.namespaceNotFound.rawValue, "namespace \"\(namespace)\" does not exist")
            }
            if !namespaceCheckedByStore, try await !database({ [store] in try await store.namespaceExists(namespace) }) {
                throw APIError(.notFound, code: StoreError.Code.namespaceNotFound.rawValue, "namespace \"\(namespace)\" does not exist")
            }
        }
        guard grant.role.includes(role) else {
            throw APIError(.forbidden, code: "Forbidden", "this route needs the \(role.rawValue) role; the token has \(grant.role.rawValue)")
        }
        return configuration.insecure ? "insecure" : "token:\(grant.role.rawValue)"
    }

    /// What the request's bearer token grants (everything on an insecure server): 401 without a
    /// valid token.
    func grant(for request: Request) async throws -> TokenGrant {
        if configuration.insecure { return TokenGrant(role: .admin, namespace: nil) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            case let token = String(header.dropFirst("Bearer ".count)), !token.isEmpty
        else {
            throw APIError(.unauthorized, code: "Unauthorized", "this route needs an Authorization: Bearer <token> header")
        }
        if let admin = configuration.adminToken, admin.utf8.count >= Configuration.minimumAdminTokenLength,
            Self.constantTimeEqual(token, admin)
        {
            return TokenGrant(role: .admin, namespace: nil)
        }
        guard let stored = try await database({ [store] in try await store.grant(forToken: token) }) else {
            throw APIError(.unauthorized, code: "Unauthorized", "the token is not valid")
        }
        return stored
    }

    /// Compares a presented token with the admin token in time that does not depend on where they
    /// differ: both are hashed first, so the comparison runs over the same 64 hex digits whatever their lengths.
    static func constantTimeEqual(_ presented: String, _ expected: String) -> Bool {
        let lhs = Array(Store.hash(token: presented).utf8)
        let rhs = Array(Store.hash(token: expected).utf8)
        return zip(lhs, rhs).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
