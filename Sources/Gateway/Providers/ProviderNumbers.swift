import Foundation
import Workflow

/// The numbers a provider sends back, read so that no value it sends can trap: a provider is
/// outside the process, and a proxy or a broken server can answer anything.
enum ProviderNumbers {
    /// The longest `retry-after` taken from a provider; a longer one is cut to this.
    static let maximumRetryAfterSeconds: Double = 3600

    /// The largest token count taken from a provider (about 4 × 10^9). Counts are clamped to
    /// `0...maximumTokenCount`, so their sums and differences never overflow.
    static let maximumTokenCount = 1 << 32

    /// A `retry-after` header in delay-seconds (RFC 9110 §10.2.3), as a duration: `nil` when it
    /// is absent, not a number, negative, NaN or infinite; capped at `maximumRetryAfterSeconds`.
    /// The HTTP-date form is ignored: the retry policy's own backoff applies instead.
    static func retryAfter(_ header: String?) -> Duration? {
        guard let header, let seconds = Double(header.trimmingCharacters(in: .whitespaces)), seconds.isFinite, seconds >= 0 else {
            return nil
        }
        // Bounded above, so the conversion to whole milliseconds is exact and cannot trap.
        return .milliseconds(Int64((min(seconds, maximumRetryAfterSeconds) * 1000).rounded()))
    }

    /// A token count from a provider's JSON: a whole number clamped to `0...maximumTokenCount`;
    /// absent or not a number counts 0.
    static func tokenCount(_ value: JSONValue?) -> Int {
        guard case .int(let number)? = value else { return 0 }
        return Int(clamping: min(max(number, 0), Int64(maximumTokenCount)))
    }
}
