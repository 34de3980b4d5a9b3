import Foundation
import PostgresNIO
import Workflow

/// `trip.book`: books one flight, hotel or car against the namespace's stock in `trip_inventory`,
/// which starts from the shared `trip_catalogue` on the namespace's first booking of the item, so
/// one namespace's bookings never sell out another's. A sold-out or unknown item fails
/// non-retryably; a retried attempt returns the booking it made the first time.
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
        let namespace = try SampleSupport.namespace()
        let logger = SampleSupport.queryLogger
        return try await database.sampleTransaction { connection in
            for try await id in try await connection.query(
                "SELECT id FROM reprise_samples.trip_bookings WHERE namespace = \(namespace) AND idempotency_key = \(key)", logger: logger
            ).decode(Int64.self) {
                return Output(bookingId: id, kind: input.kind, itemId: input.itemId)
            }
            // The namespace's stock of an item starts from the catalogue at its first booking.
            try await connection.query(
                """
                INSERT INTO reprise_samples.trip_inventory (namespace, kind, item_id, description, capacity)
                SELECT \(namespace), kind, item_id, description, capacity FROM reprise_samples.trip_catalogue WHERE kind = \(input.kind) AND item_id = \(input.itemId)
                ON CONFLICT DO NOTHING
                """, logger: logger
            ).drain()
            var left: (Int, Int)?
            for try await row in try await connection.query(
                """
                SELECT capacity, booked FROM reprise_samples.trip_inventory
                WHERE namespace = \(namespace) AND kind = \(input.kind) AND item_id = \(input.itemId) FOR UPDATE
                """, logger: logger
            ).decode((Int, Int).self) { left = row }
            guard let (capacity, booked) = left else {
                throw ApplicationFailure("there is no \(input.kind) \(input.itemId) in the inventory", type: "UnknownItem", nonRetryable: true)
            }
            guard booked < capacity else {
                throw ApplicationFailure("\(input.kind) \(input.itemId) is sold out", type: "SoldOut", nonRetryable: true)
            }
            try await connection.query(
                "UPDATE reprise_samples.trip_inventory SET booked = booked + 1 WHERE namespace = \(namespace) AND kind = \(input.kind) AND item_id = \(input.itemId)",
                logger: logger
            ).drain()
            for try await id in try await connection.query(
                """
                INSERT INTO reprise_samples.trip_bookings (namespace, idempotency_key, trip_id, kind, item_id, status)
                VALUES (\(namespace), \(key), \(input.tripId), \(input.kind), \(input.itemId), 'booked') RETURNING id
                """, logger: logger
            ).decode(Int64.self) {
                return Output(bookingId: id, kind: input.kind, itemId: input.itemId)
            }
            throw ApplicationFailure("the booking insert returned no id", type: "BookingNotWritten")
        }
    }
}

/// `trip.cancel`: the compensation for `trip.book`. Idempotent: only the first cancel of a booking
/// gives its place back to the inventory; later ones change nothing. A booking id names a booking
/// of the run's own namespace only: another namespace's booking is not found, so not canceled.
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
        let namespace = try SampleSupport.namespace()
        let logger = SampleSupport.queryLogger
        return try await database.sampleTransaction { connection in
            for try await (kind, item) in try await connection.query(
                """
                UPDATE reprise_samples.trip_bookings SET status = 'canceled', canceled_at = now()
                WHERE namespace = \(namespace) AND id = \(input.bookingId) AND status = 'booked' RETURNING kind, item_id
                """, logger: logger
            ).decode((String, String).self) {
                try await connection.query(
                    "UPDATE reprise_samples.trip_inventory SET booked = booked - 1 WHERE namespace = \(namespace) AND kind = \(kind) AND item_id = \(item)", logger: logger
                ).drain()
                return Output(canceledNow: true)
            }
            return Output(canceledNow: false)
        }
    }
}
