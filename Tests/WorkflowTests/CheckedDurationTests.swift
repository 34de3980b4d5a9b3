import Foundation
import Testing
import Workflow

/// Issue 15: `Duration.seconds(fractional: 1e10)` trapped ("Double value cannot be converted to
/// Int64"), and so did infinity and NaN. Input now goes through one checked conversion.
@Suite("Checked durations")
struct CheckedDurationTests {
    @Test(arguments: [1e10, .infinity, -.infinity, .nan, -1, 3_155_760_001, 1e300])
    func aValueOutOfRangeThrowsNamingTheField(seconds: Double) {
        let error = #expect(throws: InvalidArgumentFailure.self) { try Duration.seconds(checked: seconds, field: "waitSeconds") }
        #expect(error?.field == "waitSeconds")
        #expect(error?.message.contains("waitSeconds") == true)
        #expect(error?.failure.type == "InvalidArgument")
        #expect(error?.failure.nonRetryable == true)
    }

    @Test func valuesInRangeConvertToTheNanosecond() throws {
        #expect(try Duration.seconds(checked: 0, field: "x") == .zero)
        #expect(try Duration.seconds(checked: 1.5, field: "x") == .milliseconds(1500))
        #expect(try Duration.seconds(checked: 3_155_760_000, field: "x") == Duration.maximumAccepted)
        #expect(try Duration.seconds(5).checked("x") == .seconds(5))
        #expect(throws: InvalidArgumentFailure.self) { try Duration.seconds(-1).checked("x") }
        #expect(throws: InvalidArgumentFailure.self) { try (Duration.maximumAccepted + .nanoseconds(1)).checked("x") }
    }

    @Test func theUncheckedConversionClampsInsteadOfTrapping() {
        #expect(Duration.seconds(fractional: 1e10) == Duration.maximumAccepted)
        #expect(Duration.seconds(fractional: .infinity) == Duration.maximumAccepted)
        #expect(Duration.seconds(fractional: .nan) == .zero)
        #expect(Duration.seconds(fractional: -3) == .zero)
        #expect(Duration.seconds(fractional: 0.25) == .milliseconds(250))
    }

    @Test func aRetryPolicyOrActivityOptionsOutOfRangeIsADecodingErrorAtItsKey() throws {
        for json in [#"{"initialInterval": 1e300}"#, #"{"maximumInterval": -1}"#] {
            let error = #expect(throws: DecodingError.self) { try JSONDecoder().decode(RetryPolicy.self, from: Data(json.utf8)) }
            guard case .dataCorrupted(let context)? = error else { continue }
            #expect(["initialInterval", "maximumInterval"].contains(context.codingPath.last?.stringValue ?? ""))
        }
        let options = #"{"startToCloseTimeout": 1e19}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ActivityOptions.self, from: Data(options.utf8)) }
    }

    @Test func activityOptionsAndRetryPoliciesValidateTheirDurations() throws {
        try ActivityOptions(startToCloseTimeout: .seconds(30)).validate()
        let timeout = #expect(throws: InvalidArgumentFailure.self) {
            try ActivityOptions(startToCloseTimeout: .seconds(30), heartbeatTimeout: .seconds(-1)).validate()
        }
        #expect(timeout?.field == "ActivityOptions.heartbeatTimeout")
        let coefficient = #expect(throws: InvalidArgumentFailure.self) {
            try ActivityOptions(startToCloseTimeout: .seconds(1), retryPolicy: RetryPolicy(backoffCoefficient: .nan)).validate()
        }
        #expect(coefficient?.field == "ActivityOptions.retryPolicy.backoffCoefficient")
    }

    @Test func aHugeRetryAfterNeverTraps() {
        let failure = Failure(message: "slow down", type: "RateLimited", details: .object(["nextRetryDelaySeconds": .double(1e300)]))
        #expect(RetryPolicy().delay(afterAttempt: 1, failure: failure) == Duration.maximumAccepted)
    }
}
