import Crypto
import Foundation
import PostgresNIO

extension Store {
    /// The hash under which a token is stored; the token itself is never stored.
    public static func hash(token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Creates a token for a namespace (or for all, as admin) and returns it: it is shown once.
    public func createToken(namespace: String?, role: TokenRole) async throws -> String {
        if let namespace {
            try await pool.withConnection { connection in try await self.requireNamespace(namespace, on: connection) }
        }
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let token = "rp_" + bytes.map { String(format: "%02x", $0) }.joined()
        let scope = role.isGlobal ? nil : namespace
        let insert = TokensTable.Insert(tokenHash: Self.hash(token: token), namespace: scope, role: role)
        for try await _ in try await pool.execute(insert, logger: logger) {}
        return token
    }

    /// The grant of a presented token, or `nil` for an unknown one.
    public func grant(forToken token: String) async throws -> TokenGrant? {
        for try await (role, namespace) in try await pool.execute(TokensTable.Grant(tokenHash: Self.hash(token: token)), logger: logger) {
            guard let role = TokenRole(rawValue: role) else { return nil }
            return TokenGrant(role: role, namespace: namespace)
        }
        return nil
    }
}
