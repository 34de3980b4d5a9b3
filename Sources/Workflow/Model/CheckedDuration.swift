/// Input that Reprise refuses: a duration that is negative, not a number or too long, or another
/// value out of range. It names the field or argument at fault.
///
/// Thrown by a ``WorkflowContext`` API or by workflow code, it fails the workflow; from an
/// activity, it fails the attempt. Either way it is never retried: the same input fails the same
/// way. Its ``Failure/type`` is `InvalidArgument`.
///
/// ## Usage
/// ```swift
/// let wait = try Duration.seconds(checked: input.waitSeconds, field: "waitSeconds")
/// ```
public struct InvalidArgumentFailure: FailureConvertible, CustomStringConvertible, Sendable {
    /// The failure type recorded in history.
    public static let type = "InvalidArgument"

    /// The field or argument at fault, for example `retryScheduleSeconds[0]` or `sleep(for:)`.
    public var field: String
    /// What is wrong, with the field's name and the value.
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var failure: Failure {
        Failure(message: message, type: Self.type, nonRetryable: true, details: .object(["field": .string(field)]))
    }

    public var description: String { "\(Self.type): \(message)" }
}

extension Duration {
    /// The longest duration Reprise accepts from input: 100 years of 365.25 days. A timer, timeout
    /// or retry interval past it is refused; `now` plus it fits every clock and column Reprise
    /// writes (Foundation's `Date`, Postgres's `timestamptz`, PostgresNIO's microseconds).
    public static let maximumAccepted: Duration = .seconds(3_155_760_000)

    /// A duration from fractional seconds that came from input, rounded to nanoseconds.
    ///
    /// The one checked conversion from a `Double`: use it wherever a number from a request, a
    /// workflow's input or a stored row becomes a `Duration`.
    ///
    /// - Throws: ``InvalidArgumentFailure`` naming `field` when the value is not a number, is
    ///   infinite or negative, or is longer than ``maximumAccepted``.
    public static func seconds(checked value: Double, field: String) throws -> Duration {
        guard value.isFinite, value >= 0, value <= maximumAccepted.seconds else {
            throw InvalidArgumentFailure(
                field: field, message: "\(field) must be a number of seconds from 0 to \(Int(maximumAccepted.seconds)) (100 years), got \(value)")
        }
        // In range, so the product is at most ~3.2e18: it fits Int64.
        return .nanoseconds(Int64((value * 1e9).rounded()))
    }

    /// This duration, when it is from zero to ``maximumAccepted``.
    ///
    /// - Throws: ``InvalidArgumentFailure`` naming `field` otherwise.
    public func checked(_ field: String) throws -> Duration {
        guard self >= .zero, self <= Self.maximumAccepted else {
            throw InvalidArgumentFailure(
                field: field, message: "\(field) must be from 0 to 100 years (\(Int(Self.maximumAccepted.seconds)) s), got \(self)")
        }
        return self
    }

    /// The units duration text may carry (``parseSeconds(_:)``), smallest first; a bare number is seconds.
    public static let textUnits: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]

    /// The seconds in a duration written as input: a number of seconds (`"30"`, `"1.5"`) or a
    /// number with a unit, `ms`, `s`, `m`, `h` or `d` (`"500ms"`, `"30s"`, `"5m"`, `"2h"`, `"7d"`).
    ///
    /// The one parser of duration text, for the API's, the schedules' and the configuration's
    /// durations. It checks only that the result is a finite number; ``seconds(checked:field:)``
    /// checks the range.
    ///
    /// - Returns: The seconds, or nil when `text` is not a finite number with an optional unit.
    public static func parseSeconds(_ text: String) -> Double? {
        let unit = textUnits.first { text.hasSuffix($0.suffix) && Double(text.dropLast($0.suffix.count)) != nil }
        let scale = unit?.seconds ?? 1
        guard let value = Double(text.dropLast(unit?.suffix.count ?? 0)), value.isFinite, (value * scale).isFinite else { return nil }
        return value * scale
    }

    /// A duration from fractional seconds that Reprise computed itself (a backoff, a provider's
    /// retry-after), rounded to nanoseconds. It never traps: not a number is zero, and the value is
    /// clamped from zero to ``maximumAccepted``. For input, use ``seconds(checked:field:)``.
    public static func seconds(fractional value: Double) -> Duration {
        guard value > 0 else { return .zero }
        guard value < maximumAccepted.seconds else { return maximumAccepted }
        return .nanoseconds(Int64((value * 1e9).rounded()))
    }
}
