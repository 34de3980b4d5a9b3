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

/// `api_tokens`: the API's bearer tokens, stored by hash (``Store/hash(token:)``), each with its
/// role and its namespace (NULL for a role that spans every namespace).
enum TokensTable {
    /// Stores a token's hash and grant.
    struct Insert: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            INSERT INTO reprise.api_tokens (token_hash, namespace, role)
            VALUES (\(p.bind("text") { $0.tokenHash }), \(p.bind("text") { $0.namespace }), \(p.bind("text") { $0.role.rawValue }))
            """
        }
        typealias Row = Void
        var tokenHash: String
        var namespace: String?
        var role: TokenRole
    }

    /// The role and namespace stored for a token's hash.
    struct Grant: DescribedStatement {
        static let statement = Statement<Self> { p in
            "SELECT role, namespace FROM reprise.api_tokens WHERE token_hash = \(p.bind("text") { $0.tokenHash })"
        }
        typealias Row = (String, String?)
        var tokenHash: String

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }
}
