import Foundation
import PostgresNIO
import RepriseTesting
@testable import Samples
import Store
import Testing
import Workflow

@Suite("TripSaga")
struct TripSagaTests {
    static func booked(_ env: TestEnvironment, _ kind: String, _ item: String) async throws -> Int {
        try await SampleHarness.count(env, "SELECT booked FROM reprise_samples.trip_inventory WHERE kind = \(kind) AND item_id = \(item)")
    }

    @Test func aTripBooksAFlightAHotelAndACar() async throws {
        try await SampleHarness.run { env, _ in
            try await env.start(TripSaga.self, id: "trip-ok", input: .init(tripId: "t1", flight: "RP100", hotel: "NYC-MIDTOWN", car: "JFK-COMPACT"))
            let outcome = try await env.result(TripSaga.self, id: "trip-ok", timeout: SampleHarness.patience)
            #expect(outcome.bookings.map(\.kind) == ["flight", "hotel", "car"])
            #expect(try await Self.booked(env, "flight", "RP100") == 1)
            #expect(try await Self.booked(env, "hotel", "NYC-MIDTOWN") == 1)
            #expect(try await Self.booked(env, "car", "JFK-COMPACT") == 1)
            #expect(try await SampleHarness.count(env, "SELECT count(*)::int FROM reprise_samples.trip_bookings WHERE trip_id = 't1' AND status = 'booked'") == 3)
        }
    }

    @Test func aSoldOutCarCancelsTheHotelThenTheFlightAndFails() async throws {
        try await SampleHarness.run { env, _ in
            try await env.start(
                TripSaga.self, id: "trip-sold-out", input: .init(tripId: "t2", flight: "RP100", hotel: "NYC-MIDTOWN", car: "JFK-CONVERTIBLE"))
            let closed = try await env.waitForClose("trip-sold-out", timeout: SampleHarness.patience)
            #expect(closed.status == .failed)
            let failure = try #require(closed.failure)
            #expect(failure.type == "TripBookingFailed")
            #expect(failure.message.contains("SoldOut: car JFK-CONVERTIBLE is sold out"))
            let details = try (failure.details ?? .null).decode(as: TripSaga.FailureDetails.self)
            #expect(details.compensations.count == 2)
            #expect(details.compensations.first?.hasPrefix("canceled hotel NYC-MIDTOWN") == true)
            #expect(details.compensations.last?.hasPrefix("canceled flight RP100") == true)
            // The places went back to the inventory, and the cancels ran hotel first.
            #expect(try await Self.booked(env, "flight", "RP100") == 0)
            #expect(try await Self.booked(env, "hotel", "NYC-MIDTOWN") == 0)
            let cancelOrder = try await env.history("trip-sold-out").compactMap { event -> String? in
                guard case .activityTaskScheduled(let scheduled) = event.attributes, scheduled.activityType == CancelTripItem.name else { return nil }
                return scheduled.input?.compactDescription
            }
            #expect(cancelOrder == [#"{"bookingId":2}"#, #"{"bookingId":1}"#])
        }
    }

    @Test func cancelingATripPartWayCompensatesWhatWasBooked() async throws {
        try await SampleHarness.run(skipTime: false, extraActivities: { database in [HeldHotelBooking(real: BookTripItem(database: database))] }) { env, _ in
            try await env.start(TripSaga.self, id: "trip-cancel", input: .init(tripId: "t3", flight: "RP100", hotel: "NYC-MIDTOWN", car: "JFK-COMPACT"))
            // The hotel's booking is scheduled only once the workflow has the flight's result; a
            // pending BookTripItem alone could still be the flight, whose cancel leaves nothing
            // for the saga to compensate.
            try await env.waitUntil("the flight is booked and the hotel booking is under way", timeout: SampleHarness.patience) {
                let flights = try await Self.booked(env, "flight", "RP100")
                let hotelScheduled = try await env.history("trip-cancel").contains { event in
                    guard case .activityTaskScheduled(let scheduled) = event.attributes else { return false }
                    return scheduled.input?["kind"] == .string("hotel")
                }
                let pending = try await env.describe("trip-cancel").pendingActivities
                return flights == 1 && hotelScheduled && pending.contains { $0.activityType == BookTripItem.name }
            }
            try await env.cancel("trip-cancel")
            let closed = try await env.waitForClose("trip-cancel", timeout: SampleHarness.patience)
            #expect(closed.status == .canceled)
            #expect(try await Self.booked(env, "flight", "RP100") == 0)
            #expect(try await SampleHarness.count(env, "SELECT count(*)::int FROM reprise_samples.trip_bookings WHERE trip_id = 't3' AND status = 'canceled'") == 1)
        }
    }

    @Test func bookingIsIdempotentAndCompensationGivesAPlaceBackOnce() async throws {
        try await SampleHarness.run { env, _ in
            let book = BookTripItem(database: env.store.client)
            let cancel = CancelTripItem(database: env.store.client)
            let input = BookTripItem.Input(tripId: "t4", kind: "hotel", itemId: "NYC-MIDTOWN")
            let first = try await ActivityContext.$current.withValue(SampleHarness.attempt("1")) { try await book.run(input: input) }
            let retried = try await ActivityContext.$current.withValue(SampleHarness.attempt("1")) { try await book.run(input: input) }
            #expect(first == retried)
            _ = try await ActivityContext.$current.withValue(SampleHarness.attempt("2")) { try await book.run(input: input) }
            #expect(try await Self.booked(env, "hotel", "NYC-MIDTOWN") == 2)

            // A cancel runs in an attempt too: its namespace scopes which booking the id names.
            let cancelFirst = {
                try await ActivityContext.$current.withValue(SampleHarness.attempt("5")) { try await cancel.run(input: .init(bookingId: first.bookingId)) }
            }
            #expect(try await cancelFirst().canceledNow)
            #expect(try await !cancelFirst().canceledNow)
            #expect(try await Self.booked(env, "hotel", "NYC-MIDTOWN") == 1)

            await #expect(throws: ApplicationFailure.self) {
                try await ActivityContext.$current.withValue(SampleHarness.attempt("3")) {
                    try await book.run(input: .init(tripId: "t4", kind: "car", itemId: "JFK-CONVERTIBLE"))
                }
            }
            await #expect(throws: ApplicationFailure.self) {
                try await ActivityContext.$current.withValue(SampleHarness.attempt("4")) {
                    try await book.run(input: .init(tripId: "t4", kind: "car", itemId: "NO-SUCH-CAR"))
                }
            }
        }
    }
}

/// `trip.book` that books flights and cars for real but holds a hotel booking, heartbeating, until
/// the activity is canceled: a trip canceled while its hotel is being booked.
struct HeldHotelBooking: Activity {
    static let name = BookTripItem.name
    let real: BookTripItem

    func run(input: BookTripItem.Input) async throws -> BookTripItem.Output {
        guard input.kind == "hotel" else { return try await real.run(input: input) }
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            try await ActivityContext.current?.heartbeat()
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ApplicationFailure("the held hotel booking was never canceled", type: "TestHoldExpired", nonRetryable: true)
    }
}
