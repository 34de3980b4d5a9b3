import Foundation

/// The serialised form of an error, as stored in history and shown by the API.
///
/// It keeps the error's type, message, non-retryable flag, details and cause chain, in the shape of
/// Temporal's `Failure`, so a failure can cross from an activity into a workflow and out to an
/// operator without losing what went wrong.
public struct Failure: Sendable, Hashable, Codable {
    /// A human-readable message.
    public var message: String
    /// The error type, for example `PaymentDeclined`. Retry policies match on it.
    public var type: String
    /// Whether retrying can never help.
    public var nonRetryable: Bool
    /// Structured details given by the code that failed.
    public var details: Payload?
    /// Where the failure came from, for example `ActivityFailure` wrapping an application failure.
    public var cause: Failure? {
        get { causeStorage.first }
        set { causeStorage = newValue.map { [$0] } ?? [] }
    }

    private var causeStorage: [Failure]

    public init(message: String, type: String, nonRetryable: Bool = false, details: Payload? = nil, cause: Failure? = nil) {
        self.message = message
        self.type = type
        self.nonRetryable = nonRetryable
        self.details = details
        self.causeStorage = cause.map { [$0] } ?? []
    }

    private enum CodingKeys: String, CodingKey { case message, type, nonRetryable, details, cause }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.message = try container.decode(String.self, forKey: .message)
        self.type = try container.decodeIfPresent(String.self, forKey: .type) ?? "Error"
        self.nonRetryable = try container.decodeIfPresent(Bool.self, forKey: .nonRetryable) ?? false
        self.details = try container.decodeIfPresent(Payload.self, forKey: .details)
        self.causeStorage = try container.decodeIfPresent(Failure.self, forKey: .cause).map { [$0] } ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(message, forKey: .message)
        try container.encode(type, forKey: .type)
        try container.encode(nonRetryable, forKey: .nonRetryable)
        try container.encodeIfPresent(details, forKey: .details)
        try container.encodeIfPresent(cause, forKey: .cause)
    }

    /// The failure type names that Reprise itself produces.
    public enum Types {
        public static let activity = "ActivityFailure"
        public static let canceled = "CanceledFailure"
        public static let timeout = "TimeoutFailure"
        public static let terminated = "TerminatedFailure"
    }
}

extension Failure {
    /// Serialises any error. Reprise's own failure types keep their structure; any other error keeps
    /// its Swift type name and description.
    public init(_ error: any Error) {
        switch error {
        case let error as any FailureConvertible:
            self = error.failure
        case is CancellationError:
            self.init(message: "canceled", type: Types.canceled)
        default:
            self.init(message: String(describing: error), type: String(describing: Swift.type(of: error)))
        }
    }
}

/// An error that has a ``Failure`` form of its own.
public protocol FailureConvertible: Error {
    /// The serialised form of this error.
    var failure: Failure { get }
}

/// The error to throw from a workflow or an activity for a business outcome: it fails the workflow,
/// or the activity attempt, and carries a type that retry policies and callers can match on.
///
/// ## Usage
/// ```swift
/// throw ApplicationFailure("card declined", type: "PaymentDeclined", nonRetryable: true)
/// ```
public struct ApplicationFailure: FailureConvertible, CustomStringConvertible, Sendable {
    public var message: String
    public var type: String
    public var nonRetryable: Bool
    public var details: Payload?
    /// For an activity: overrides the retry policy's next delay, as a provider's `retry-after` asks.
    public var nextRetryDelay: Duration?

    public init(
        _ message: String, type: String = "ApplicationFailure", nonRetryable: Bool = false,
        details: Payload? = nil, nextRetryDelay: Duration? = nil
    ) {
        self.message = message
        self.type = type
        self.nonRetryable = nonRetryable
        self.details = details
        self.nextRetryDelay = nextRetryDelay
    }

    public var failure: Failure {
        var details = details
        if let nextRetryDelay {
            // Kept beside the details so the engine can honour it after a round trip through history.
            details = .object(["details": details ?? .null, "nextRetryDelaySeconds": .double(nextRetryDelay.seconds)])
        }
        return Failure(message: message, type: type, nonRetryable: nonRetryable, details: details)
    }

    public var description: String { "\(type): \(message)" }
}

/// Thrown into workflow code when an activity failed for good: its attempts ran out, it hit a
/// non-retryable error, it timed out, or an operator failed it from the dead-letter queue.
public struct ActivityFailure: FailureConvertible, CustomStringConvertible, Sendable {
    public var activityId: String
    public var activityType: String
    /// What the activity's last attempt failed with.
    public var cause: Failure

    public init(activityId: String, activityType: String, cause: Failure) {
        self.activityId = activityId
        self.activityType = activityType
        self.cause = cause
    }

    public var failure: Failure {
        Failure(
            message: "activity \(activityType) (id \(activityId)) failed", type: Failure.Types.activity,
            nonRetryable: cause.nonRetryable, cause: cause)
    }

    public var description: String { "ActivityFailure: \(activityType) (id \(activityId)): \(cause.type): \(cause.message)" }
}

/// Thrown into workflow code when the operation it awaited was canceled, for example because the
/// workflow received a cancel request. Letting it escape `run` ends the run `Canceled`.
public struct CanceledFailure: FailureConvertible, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String = "canceled") { self.message = message }
    public var failure: Failure { Failure(message: message, type: Failure.Types.canceled) }
    public var description: String { "CanceledFailure: \(message)" }
}

extension Duration {
    /// The duration as fractional seconds.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
