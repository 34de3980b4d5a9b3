import Foundation
import PostgresNIO
import Workflow

/// `trip.book`: books one flight, hotel or car against the `trip_inventory` table. A sold-out or
/// unknown item fails non-retryably; a retried attempt returns the booking it made the first time.
public struct BookTripItem: Activity {
    public static let name = "trip.book"

    public struct Input: Codable, Sendable, Equatable {
        public var tripId: String
        /// `flight`, `hotel` or `car`.
        public var kind: String
        public var itemId: String

        public init(tripId: String, kind: String, itemId: String) {
            self.tripId = tripId
            self.kind = kind
            self.itemId = itemId
        }
    }

    public struct Output: Codable, Sendable, Equatable {
        public var bookingId: Int64
        public var kind: String
        public var itemId: String
    }

    let database: PostgresClient

    public init(database: PostgresClient) { self.database = database }

    public func run(input: Input) async throws -> Output {
        let key = try SampleSupport.idempotencyKey()
        let logger = SampleSupport.queryLogger
        return try await database.sampleTransaction { connection in
            for try await id in try await connection.query(
                "SELECT id FROM trip_bookings WHERE idempotency_key = \(key)", logger: logger
            ).decode(Int64.self) {
                return Output(bookingId: id, kind: input.kind, itemId: input.itemId)
            }
            var left: (Int, Int)?
            for try await row in try await connection.query(
                "SELECT capacity, booked FROM trip_inventory WHERE kind = \(input.kind) AND item_id = \(input.itemId) FOR UPDATE", logger: logger
            ).decode((Int, Int).self) { left = row }
            guard let (capacity, booked) = left else {
                throw ApplicationFailure("there is no \(input.kind) \(input.itemId) in the inventory", type: "UnknownItem", nonRetryable: true)
            }
            guard booked < capacity else {
                throw ApplicationFailure("\(input.kind) \(input.itemId) is sold out", type: "SoldOut", nonRetryable: true)
            }
            try await connection.query(
                "UPDATE trip_inventory SET booked = booked + 1 WHERE kind = \(input.kind) AND item_id = \(input.itemId)", logger: logger
            ).drain()
            for try await id in try await connection.query(
                """
                INSERT INTO trip_bookings (idempotency_key, trip_id, kind, item_id, status)
                VALUES (\(key), \(input.tripId), \(input.kind), \(input.itemId), 'booked') RETURNING id
                """, logger: logger
            ).decode(Int64.self) {
                return Output(bookingId: id, kind: input.kind, itemId: input.itemId)
            }
            throw ApplicationFailure("the booking insert returned no id", type: "BookingNotWritten")
        }
    }
}

/// `trip.cancel`: the compensation for `trip.book`. Idempotent: only the first cancel of a booking
/// gives its place back to the inventory; later ones change nothing.
public struct CancelTripItem: Activity {
    public static let name = "trip.cancel"

    public struct Input: Codable, Sendable, Equatable {
        public var bookingId: Int64
        public init(bookingId: Int64) { self.bookingId = bookingId }
    }

    public struct Output: Codable, Sendable, Equatable {
        /// Whether this call did the cancelling (`false`: it was already canceled).
        public var canceledNow: Bool
    }

    let database: PostgresClient

    public init(database: PostgresClient) { self.database = database }

    public func run(input: Input) async throws -> Output {
        let logger = SampleSupport.queryLogger
        return try await database.sampleTransaction { connection in
            for try await (kind, item) in try await connection.query(
                """
                UPDATE trip_bookings SET status = 'canceled', canceled_at = now()
                WHERE id = \(input.bookingId) AND status = 'booked' RETURNING kind, item_id
                """, logger: logger
            ).decode((String, String).self) {
                try await connection.query(
                    "UPDATE trip_inventory SET booked = booked - 1 WHERE kind = \(kind) AND item_id = \(item)", logger: logger
                ).drain()
                return Output(canceledNow: true)
            }
            return Output(canceledNow: false)
        }
    }
}
