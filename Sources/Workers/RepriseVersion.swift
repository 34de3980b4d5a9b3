/// Reprise's version: the one place it is written. `reprise --version` prints it, and a worker
/// announces `reprise-<version>` as its build when given none.
public enum RepriseVersion {
    /// The version of this package, as `major.minor.patch`.
    public static let current = "0.1.0"
}
