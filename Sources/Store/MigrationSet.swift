/// One owner's schema, as versioned SQL: the engine's, the gateway's, the samples'. Each owner
/// numbers its versions from 1 on its own; `reprise_migrations` records every applied version under
/// its owner, and ``Store/migrate(_:)`` runs the versions a database has not seen yet, in order.
///
/// Never edit a released version and never reuse a number: add the next version.
public struct MigrationSet: Sendable {
    /// One version: its number and its statements, run in order in the migration's transaction.
    public struct Version: Sendable {
        public let number: Int
        public let sql: [String]
        /// The engine version that did this version's work when the engine's list still held every
        /// table: a database that recorded it records this version as applied instead of running it.
        public let adoptedFromEngine: Int?

        public init(_ number: Int, _ sql: [String], adoptedFromEngine: Int? = nil) {
            self.number = number
            self.sql = sql
            self.adoptedFromEngine = adoptedFromEngine
        }
    }

    /// Who owns the objects these versions create; the key of their rows in `reprise_migrations`.
    public let owner: String
    /// The versions, in the order they run.
    public let versions: [Version]

    public init(owner: String, versions: [Version]) {
        self.owner = owner
        self.versions = versions
    }

    /// The newest version this code knows (0 for none).
    public var latest: Int { versions.last?.number ?? 0 }

    /// The engine's own schema, which ``Store/migrate(_:)`` always applies first.
    public static var engine: MigrationSet { Migrations.engine }

    /// The engine's owner name, which every row written before owners existed belongs to.
    static let engineOwner = "engine"

    /// A set that could not be applied safely: an empty owner, or versions out of order.
    func validated() throws -> MigrationSet {
        guard !owner.isEmpty else { throw StoreError(.invalidArgument, "a migration set's owner is empty") }
        for (earlier, later) in zip(versions, versions.dropFirst()) where later.number <= earlier.number {
            throw StoreError(
                .invalidArgument,
                "the migration set of \(owner) lists version \(later.number) after \(earlier.number): versions must ascend")
        }
        return self
    }
}

/// A version that ``Store/migrate(_:)`` ran: its owner and its number.
public struct AppliedMigration: Hashable, Sendable, CustomStringConvertible {
    public let owner: String
    public let version: Int

    public init(owner: String, version: Int) {
        self.owner = owner
        self.version = version
    }

    public var description: String { "\(owner) \(version)" }
}
