import Crypto
import Foundation
import PostgresNIO

/// What an API token may do. Each namespace role includes the ones before it; `metrics` stands
/// apart: it reads `/metrics` and nothing else.
public enum TokenRole: String, Sendable, Codable, CaseIterable {
    /// List, describe, read history.
    case reader
    /// Also start, signal, cancel.
    case writer
    /// Also terminate and work the dead-letter queue.
    case `operator`
    /// Everything, in every namespace.
    case admin
    /// Scrapes `/metrics`, which spans every namespace; valid in none. For a Prometheus server.
    case metrics

    /// Whether a token with this role may use a route that needs `needed`.
    public func includes(_ needed: TokenRole) -> Bool {
        let ladder: [TokenRole] = [.reader, .writer, .operator, .admin]
        if self == .admin || self == needed { return true }
        guard let held = ladder.firstIndex(of: self), let wanted = ladder.firstIndex(of: needed) else { return false }
        return held >= wanted
    }

    /// Whether the role spans every namespace rather than one.
    public var isGlobal: Bool { self == .admin || self == .metrics }
}

/// A token's grant: its role, and its namespace (`nil` for an admin token, valid everywhere).
public struct TokenGrant: Sendable, Equatable {
    public var role: TokenRole
    public var namespace: String?

    public init(role: TokenRole, namespace: String?) {
        self.role = role
        self.namespace = namespace
    }
}

extension Store {
    /// The hash under which a token is stored; the token itself is never stored.
    public static func hash(token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Creates a token for a namespace (or for all, as admin) and returns it: it is shown once.
    public func createToken(namespace: String?, role: TokenRole) async throws -> String {
        if let namespace {
            try await client.withConnection { connection in try await self.requireNamespace(namespace, on: connection) }
        }
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let token = "rp_" + bytes.map { String(format: "%02x", $0) }.joined()
        let scope = role.isGlobal ? nil : namespace
        try await client.query(
            "INSERT INTO api_tokens (token_hash, namespace, role) VALUES (\(Self.hash(token: token)), \(scope), \(role.rawValue))",
            logger: logger)
        return token
    }

    /// The grant of a presented token, or `nil` for an unknown one.
    public func grant(forToken token: String) async throws -> TokenGrant? {
        let rows = try await client.query(
            "SELECT role, namespace FROM api_tokens WHERE token_hash = \(Self.hash(token: token))", logger: logger)
        for try await (role, namespace) in rows.decode((String, String?).self) {
            guard let role = TokenRole(rawValue: role) else { return nil }
            return TokenGrant(role: role, namespace: namespace)
        }
        return nil
    }

    /// Whether a namespace exists.
    public func namespaceExists(_ name: String) async throws -> Bool {
        for try await _ in try await client.execute(NamespacesTable.Exists(namespace: name), logger: logger) { return true }
        return false
    }
}
