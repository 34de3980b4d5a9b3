import Foundation
import Workflow

/// A saga: book a flight, then a hotel, then a car. When a booking fails for good, or the run is
/// canceled part-way, the bookings already made are canceled in reverse order, inside a
/// cancellation shield. A failed trip ends `Failed` with the cause and the compensations done.
public struct TripSaga: Workflow {
    public static let name = "TripSaga"

    public struct Input: Codable, Sendable {
        public var tripId: String
        public var flight: String
        public var hotel: String
        public var car: String

        public init(tripId: String, flight: String, hotel: String, car: String) {
            self.tripId = tripId
            self.flight = flight
            self.hotel = hotel
            self.car = car
        }
    }

    public struct Outcome: Codable, Sendable, Equatable {
        public var tripId: String
        public var bookings: [BookTripItem.Output]
    }

    /// The `details` of a failed trip.
    public struct FailureDetails: Codable, Sendable, Equatable {
        public var cause: String
        /// What was undone, in order: `canceled hotel NYC-MIDTOWN (booking 2)`.
        public var compensations: [String]
    }

    public init() {}

    public func run(context: WorkflowContext, input: Input) async throws -> Outcome {
        var booked: [BookTripItem.Output] = []
        do {
            for (kind, item) in [("flight", input.flight), ("hotel", input.hotel), ("car", input.car)] {
                booked.append(
                    try await context.execute(
                        BookTripItem.self, .init(tripId: input.tripId, kind: kind, itemId: item), options: SampleSupport.local))
            }
            return Outcome(tripId: input.tripId, bookings: booked)
        } catch {
            let done = booked
            let compensations = try await context.withCancellationShield {
                var undone: [String] = []
                for booking in done.reversed() {
                    _ = try await context.execute(CancelTripItem.self, .init(bookingId: booking.bookingId), options: SampleSupport.local)
                    undone.append("canceled \(booking.kind) \(booking.itemId) (booking \(booking.bookingId))")
                }
                return undone
            }
            let summary = compensations.isEmpty ? "nothing to compensate" : "compensated: " + compensations.joined(separator: ", ")
            if Self.isCancellation(error) { throw CanceledFailure("trip \(input.tripId) canceled; \(summary)") }
            let cause = (error as? ActivityFailure).map { "\($0.cause.type): \($0.cause.message)" } ?? String(describing: error)
            throw ApplicationFailure(
                "trip \(input.tripId) failed: \(cause); \(summary)", type: "TripBookingFailed", nonRetryable: true,
                details: try Payload(encoding: FailureDetails(cause: cause, compensations: compensations)))
        }
    }

    static func isCancellation(_ error: any Error) -> Bool {
        switch error {
        case is CanceledFailure, is CancellationError: true
        case let failure as ActivityFailure: failure.cause.type == Failure.Types.canceled
        default: false
        }
    }
}
