/// One owner's schema, as versioned SQL: the engine's, the gateway's, the samples'. Each owner
/// numbers its versions from 1 on its own; `reprise.reprise_migrations` records every applied
/// version under its owner, and ``Store/migrate(_:)`` runs the versions a database has not seen
/// yet, in order.
///
/// A set with a ``schema`` creates its objects there: ``Store/migrate(_:)`` creates the schema and
/// runs the set's versions with `search_path` set to it alone, so the versions name their objects
/// unqualified. Code that reads the tables names them with the schema (docs/schemas.md).
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

    /// The tables and functions a set's released versions created in `public`, before each set had
    /// a schema of its own. ``Store/migrate(_:)`` moves those it finds into the set's ``schema``,
    /// once, and only in a database that has applied the set (so a user's own table of the same
    /// name in `public` is never taken).
    public struct PublicObjects: Sendable {
        /// Table names; a table's indexes, constraints, triggers and owned sequences move with it.
        public let tables: [String]
        /// Function names; every overload of each moves.
        public let functions: [String]

        public init(tables: [String] = [], functions: [String] = []) {
            self.tables = tables
            self.functions = functions
        }
    }

    /// Who owns the objects these versions create; the key of their rows in `reprise_migrations`.
    public let owner: String
    /// The Postgres schema the versions create their objects in, or nil for versions that name
    /// their own schema in every statement (they then run with the connection's `search_path`).
    public let schema: String?
    /// The versions, in the order they run.
    public let versions: [Version]
    /// What the released versions created in `public` before ``schema`` existed.
    public let movedFromPublic: PublicObjects

    public init(owner: String, schema: String? = nil, versions: [Version], movedFromPublic: PublicObjects = PublicObjects()) {
        self.owner = owner
        self.schema = schema
        self.versions = versions
        self.movedFromPublic = movedFromPublic
    }

    /// The newest version this code knows (0 for none).
    public var latest: Int { versions.last?.number ?? 0 }

    /// The engine's own schema, which ``Store/migrate(_:)`` always applies first.
    public static var engine: MigrationSet { Migrations.engine }

    /// The engine's owner name, which every row written before owners existed belongs to.
    static let engineOwner = "engine"

    /// A set that could not be applied safely: an empty owner, a schema or object name that is not
    /// a plain lower-case SQL identifier, or versions out of order.
    func validated() throws -> MigrationSet {
        guard !owner.isEmpty else { throw StoreError(.invalidArgument, "a migration set's owner is empty") }
        for name in [schema].compactMap({ $0 }) + movedFromPublic.tables + movedFromPublic.functions where !Self.isPlainIdentifier(name) {
            throw StoreError(
                .invalidArgument, "the migration set of \(owner) names \"\(name)\": schema and object names must be lower-case letters, digits and _")
        }
        for (earlier, later) in zip(versions, versions.dropFirst()) where later.number <= earlier.number {
            throw StoreError(
                .invalidArgument,
                "the migration set of \(owner) lists version \(later.number) after \(earlier.number): versions must ascend")
        }
        return self
    }

    /// A name that needs no quoting in SQL: it is spliced into DDL, which takes no binds.
    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 63, first == "_" || ("a"..."z").contains(first) else {
            return false
        }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
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
