import Foundation

/// How an activity is retried, with Temporal's fields and defaults.
public struct RetryPolicy: Sendable, Hashable, Codable {
    /// The delay before the first retry. Default 1 s.
    public var initialInterval: Duration
    /// How much the delay grows per retry. Default 2.0.
    public var backoffCoefficient: Double
    /// The cap on the delay. Default: 100 × ``initialInterval``.
    public var maximumInterval: Duration?
    /// The most attempts, the first included. 0 means unlimited (the default).
    public var maximumAttempts: Int
    /// Error types (``Failure/type``) that are never retried.
    public var nonRetryableErrorTypes: [String]

    public init(
        initialInterval: Duration = .seconds(1), backoffCoefficient: Double = 2.0, maximumInterval: Duration? = nil,
        maximumAttempts: Int = 0, nonRetryableErrorTypes: [String] = []
    ) {
        self.initialInterval = initialInterval
        self.backoffCoefficient = backoffCoefficient
        self.maximumInterval = maximumInterval
        self.maximumAttempts = maximumAttempts
        self.nonRetryableErrorTypes = nonRetryableErrorTypes
    }

    /// The default policy: unlimited attempts, 1 s growing ×2 up to 100 s.
    public static let `default` = RetryPolicy()

    /// Refuses intervals out of range (``Duration/checked(_:)``) and a coefficient that is not a
    /// finite number of at least 1.
    ///
    /// - Throws: ``InvalidArgumentFailure`` naming the field, under `prefix`.
    public func validate(as prefix: String = "retryPolicy") throws {
        _ = try initialInterval.checked("\(prefix).initialInterval")
        _ = try maximumInterval?.checked("\(prefix).maximumInterval")
        guard backoffCoefficient.isFinite, backoffCoefficient >= 1 else {
            throw InvalidArgumentFailure(
                field: "\(prefix).backoffCoefficient", message: "\(prefix).backoffCoefficient must be a number of at least 1, got \(backoffCoefficient)")
        }
    }

    /// The delay after the given failed attempt (1-based), or `nil` when no attempt remains or the
    /// failure must not be retried.
    public func delay(afterAttempt attempt: Int, failure: Failure) -> Duration? {
        if failure.nonRetryable || nonRetryableErrorTypes.contains(failure.type) { return nil }
        if maximumAttempts > 0 && attempt >= maximumAttempts { return nil }
        if let override = failure.details?["nextRetryDelaySeconds"], case .double(let seconds) = override {
            return .seconds(fractional: seconds)
        }
        let cap = (maximumInterval ?? initialInterval * 100).seconds
        let raw = initialInterval.seconds * pow(backoffCoefficient, Double(max(0, attempt - 1)))
        return .seconds(fractional: min(raw, cap))
    }

    private enum CodingKeys: String, CodingKey {
        case initialInterval, backoffCoefficient, maximumInterval, maximumAttempts, nonRetryableErrorTypes
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.initialInterval = try container.decodeSecondsIfPresent(forKey: .initialInterval) ?? .seconds(1)
        self.backoffCoefficient = try container.decodeIfPresent(Double.self, forKey: .backoffCoefficient) ?? 2.0
        self.maximumInterval = try container.decodeSecondsIfPresent(forKey: .maximumInterval)
        self.maximumAttempts = try container.decodeIfPresent(Int.self, forKey: .maximumAttempts) ?? 0
        self.nonRetryableErrorTypes = try container.decodeIfPresent([String].self, forKey: .nonRetryableErrorTypes) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeSeconds(initialInterval, forKey: .initialInterval)
        try container.encode(backoffCoefficient, forKey: .backoffCoefficient)
        try container.encodeSeconds(maximumInterval, forKey: .maximumInterval)
        try container.encode(maximumAttempts, forKey: .maximumAttempts)
        try container.encode(nonRetryableErrorTypes, forKey: .nonRetryableErrorTypes)
    }
}


extension KeyedEncodingContainer {
    /// Durations are written as fractional seconds, so histories read plainly.
    mutating func encodeSeconds(_ value: Duration?, forKey key: Key) throws {
        try encodeIfPresent(value?.seconds, forKey: key)
    }
}

extension KeyedDecodingContainer {
    /// A duration written as fractional seconds, checked: a value out of range is a decoding error
    /// at its key (an API answers 400 naming it), never a trap.
    func decodeSecondsIfPresent(forKey key: Key) throws -> Duration? {
        guard let value = try decodeIfPresent(Double.self, forKey: key) else { return nil }
        do {
            return try Duration.seconds(checked: value, field: key.stringValue)
        } catch let error as InvalidArgumentFailure {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: error.message)
        }
    }
}
