import Foundation
import Hummingbird
import Store
import Workflow

extension APIServer {
    func addDeadLetterRoutes(to router: Router<BasicRequestContext>) {
        let letters = router.group("/api/v1/namespaces/:namespace/dead-letters")

        letters.get { request, context in
            let namespace = try Self.pathParameter("namespace", in: context)
            try await authorize(request, namespace: namespace, needs: .reader)
            let query = request.uri.queryParameters
            let state = query["state"].map(String.init) ?? "Pending"
            guard ["Pending", "Retried", "Failed", "Resolved", "All"].contains(state) else {
                throw APIError.badRequest("state must be Pending, Retried, Failed, Resolved or All")
            }
            let limit = try Self.limit(query["limit"].map(String.init))
            let letters = try await database { [store] in
                try await store.deadLetters(namespace: namespace, state: state == "All" ? nil : state, limit: limit)
            }
            return try JSONBody.response(API.DeadLettersResponse(deadLetters: letters.map(API.DeadLetterBody.init)))
        }

        letters.get(":id") { request, context in
            let (namespace, id) = try Self.deadLetterParameters(context)
            try await authorize(request, namespace: namespace, needs: .reader)
            let letter = try await database { [store] in try await store.deadLetter(namespace: namespace, id: id) }
            return try JSONBody.response(API.DeadLetterBody(letter))
        }

        addDeadLetterAction("retry", to: letters, body: API.RetryRequest.self) { [store, clock] body, namespace, id, identity in
            try await store.retryDeadLetter(namespace: namespace, id: id, input: body.input, identity: identity, at: clock.now)
        }
        addDeadLetterAction("fail", to: letters, body: API.FailRequest.self) { [store, clock] body, namespace, id, identity in
            try await store.failDeadLetter(namespace: namespace, id: id, message: body.message, identity: identity, at: clock.now)
        }
        addDeadLetterAction("resolve", to: letters, body: API.ResolveRequest.self, allowEmptyBody: false) {
            [store, clock] body, namespace, id, identity in
            try await store.resolveDeadLetter(namespace: namespace, id: id, result: body.result, identity: identity, at: clock.now)
        }
    }

    /// An operator's action on a dead letter: authorize, decode the body, act, answer with the letter.
    private func addDeadLetterAction<Body: Decodable & Sendable>(
        _ action: String, to letters: RouterGroup<BasicRequestContext>, body: Body.Type, allowEmptyBody: Bool = true,
        perform: @escaping @Sendable (Body, String, UUID, String) async throws -> Void
    ) {
        letters.post(RouterPath(":id/\(action)")) { request, context in
            var request = request
            let (namespace, id) = try Self.deadLetterParameters(context)
            let identity = try await authorize(request, namespace: namespace, needs: .operator)
            let decoded = try await JSONBody.decode(Body.self, from: &request, limit: configuration.maxBodySize, allowEmpty: allowEmptyBody)
            try await database { try await perform(decoded, namespace, id, identity) }
            let letter = try await database { [store] in try await store.deadLetter(namespace: namespace, id: id) }
            return try JSONBody.response(API.DeadLetterBody(letter))
        }
    }

    func addAdminRoutes(to router: Router<BasicRequestContext>) {
        router.post("/api/v1/namespaces") { request, context in
            var request = request
            try await authorize(request, namespace: nil, needs: .admin)
            let body = try await JSONBody.decode(API.NamespaceRequest.self, from: &request, limit: configuration.maxBodySize)
            let retention = body.retentionDays ?? 7
            let name = body.name
            try await database { [store] in try await store.createNamespace(name, retentionDays: retention) }
            return try JSONBody.response(API.NamespaceBody(name: body.name, retentionDays: retention), status: .created)
        }

        router.get("/api/v1/namespaces") { request, context in
            try await authorize(request, namespace: nil, needs: .admin)
            let namespaces = try await database { [store] in try await store.namespaces() }.map {
                API.NamespaceBody(name: $0.name, retentionDays: $0.retentionDays)
            }
            return try JSONBody.response(API.NamespacesResponse(namespaces: namespaces))
        }

        router.post("/api/v1/namespaces/:namespace/tokens") { request, context in
            var request = request
            let namespace = try Self.pathParameter("namespace", in: context)
            try await authorize(request, namespace: namespace, needs: .admin)
            let body = try await JSONBody.decode(API.TokenRequest.self, from: &request, limit: configuration.maxBodySize)
            let role = body.role
            let token = try await database { [store] in try await store.createToken(namespace: namespace, role: role) }
            return try JSONBody.response(
                API.TokenResponse(token: token, namespace: body.role.isGlobal ? nil : namespace, role: body.role), status: .created)
        }
    }

    static func deadLetterParameters(_ context: BasicRequestContext) throws -> (String, UUID) {
        let namespace = try Self.pathParameter("namespace", in: context)
        guard let id = UUID(uuidString: try Self.pathParameter("id", in: context)) else {
            throw APIError(.notFound, code: StoreError.Code.deadLetterNotFound.rawValue, "a dead letter id is a UUID")
        }
        return (namespace, id)
    }
}
