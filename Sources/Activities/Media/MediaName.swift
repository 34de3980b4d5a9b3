import Workflow

/// Names from input that become one path component (`videoId`, a rung's name): an ASCII letter
/// or digit, then up to 127 letters, digits, `_` or `-`. No `/`, no `..`, no spaces, nothing an
/// ffmpeg option string (`-var_stream_map`) would read as syntax.
public enum MediaName {
    /// The failure type of a name that does not match.
    public static let failureType = "InvalidMediaName"

    /// Whether `name` matches `^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$`.
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        func alphanumeric(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte) }
        guard let first = bytes.first, alphanumeric(first), bytes.count <= 128 else { return false }
        return bytes.dropFirst().allSatisfy { alphanumeric($0) || $0 == 0x5f || $0 == 0x2d }
    }

    /// - Throws: a non-retryable `InvalidMediaName` ``ApplicationFailure`` naming the field.
    public static func check(_ name: String, field: String) throws {
        guard isValid(name) else {
            throw ApplicationFailure(
                "\(field) must match ^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$ (it names a folder), got \"\(name.prefix(200))\"", type: failureType,
                nonRetryable: true, details: .object(["field": .string(field)]))
        }
    }
}
