import PostgresNIO
import Workflow

/// The Postgres-backed state of Reprise. Filled by the durable-engine issue.
public enum StoreSchema {
    /// The schema version the code expects.
    public static let version = 0
}
