import Foundation
import Gateway
import PostgresNIO
import RepriseTesting
@testable import Samples
import Store
import Testing
import Workflow

/// Issue 15: the sample tables are keyed by namespace. Runs in namespaces A and B whose inputs name
/// the same lead, calendar, subscription, booking or outbox never see or change each other's rows.
/// The activities run as attempts of two runs, one in each namespace, as a worker runs them.
@Suite("The sample tables are per namespace")
struct NamespaceIsolationTests {
    /// Runs `body` as attempt `activityId` of a run in `namespace`. Run ids differ between the two
    /// namespaces, as the server's UUIDs always do.
    static func attempt<T: Sendable>(_ namespace: String, _ activityId: String, _ body: () async throws -> T) async throws -> T {
        try await ActivityContext.$current.withValue(SampleHarness.attempt(activityId, namespace: namespace, runId: "run-\(namespace)")) {
            try await body()
        }
    }

    @Test func aLeadIdNamesAnotherLeadInAnotherNamespace() async throws {
        try await SampleHarness.run { env, _ in
            let database = env.store.client
            let lead = Lead(name: "Ada Lovelace", email: "ada@acme.example", company: "Acme", message: "Our pricing plans are confidential")
            _ = try await Self.attempt("tenant-a", "1") { try await EnrichLead(database: database).run(input: .init(leadId: "lead-1", lead: lead)) }
            _ = try await Self.attempt("tenant-a", "2") {
                try await RememberLead(database: database).run(input: .init(leadId: "lead-1", kind: "reply", content: "A's reply"))
            }
            let prompt = PromptLead.Input(leadId: "lead-1", purpose: .firstEmail, tenant: "t", maxRunUSD: 1)
            let seenByB = try await Self.attempt("tenant-b", "1") { try await PromptLead(database: database).run(input: prompt) }
            let textB = seenByB.messages.map(\.content).joined()
            #expect(!textB.contains("Ada Lovelace") && !textB.contains("confidential") && !textB.contains("A's reply"), "\(textB)")

            _ = try await Self.attempt("tenant-b", "2") {
                try await RememberLead(database: database).run(input: .init(leadId: "lead-1", kind: "reply", content: "B's reply"))
            }
            let seenByA = try await Self.attempt("tenant-a", "3") { try await PromptLead(database: database).run(input: prompt) }
            let textA = seenByA.messages.map(\.content).joined()
            #expect(textA.contains("Ada Lovelace") && textA.contains("A's reply") && !textA.contains("B's reply"), "\(textA)")
        }
    }

    @Test func aCalendarNamesAnotherCalendarInAnotherNamespace() async throws {
        try await SampleHarness.run { env, _ in
            let book = BookMeeting(database: env.store.client)
            let input = BookMeeting.Input(calendar: "sales", attendee: "ada@acme.example", title: "Demo", after: Date(timeIntervalSince1970: 1_800_000_000))
            let first = try await Self.attempt("tenant-a", "1") { try await book.run(input: input) }
            // B's `sales` is its own calendar: A's booking does not take B's slot.
            let other = try await Self.attempt("tenant-b", "1") { try await book.run(input: input) }
            #expect(other.startsAt == first.startsAt)
            // Within A the slot is taken, so A's next meeting gets the next one.
            let second = try await Self.attempt("tenant-a", "2") { try await book.run(input: input) }
            #expect(second.startsAt == first.startsAt.addingTimeInterval(1_800))
        }
    }

    @Test func aSubscriptionAndItsChargesBelongToOneNamespace() async throws {
        try await SampleHarness.run { env, _ in
            let database = env.store.client
            let status = SetSubscriptionStatus(database: database)
            _ = try await Self.attempt("tenant-a", "1") { try await status.run(input: .init(subscriptionId: "sub-1", customer: "cus_a", status: "active")) }
            _ = try await Self.attempt("tenant-b", "1") { try await status.run(input: .init(subscriptionId: "sub-1", customer: "cus_b", status: "canceled")) }
            var rows: [String] = []
            for try await (namespace, customer, state) in try await database.query(
                "SELECT namespace, customer, status FROM reprise_samples.subscriptions WHERE id = 'sub-1' ORDER BY namespace", logger: SampleHarness.logger
            ).decode((String, String, String).self) { rows.append("\(namespace) \(customer) \(state)") }
            #expect(rows == ["tenant-a cus_a active", "tenant-b cus_b canceled"])

            let charge = ChargePayment(provider: SandboxPayments(database: database))
            let paid = try await Self.attempt("tenant-a", "2") {
                try await charge.run(input: .init(amountCents: 4_900, currency: "usd", source: "tok_visa", subscriptionId: "sub-1"))
            }
            let declined = try await Self.attempt("tenant-b", "2") {
                try await charge.run(input: .init(amountCents: 4_900, currency: "usd", source: "tok_chargeDeclined", subscriptionId: "sub-1"))
            }
            #expect(paid.succeeded && !declined.succeeded)
            #expect(
                try await SampleHarness.count(
                    env, "SELECT count(*)::int FROM reprise_samples.payment_ledger WHERE namespace = 'tenant-a' AND subscription_id = 'sub-1' AND status = 'succeeded'") == 1)
            #expect(
                try await SampleHarness.count(
                    env, "SELECT count(*)::int FROM reprise_samples.payment_ledger WHERE namespace = 'tenant-b' AND subscription_id = 'sub-1' AND status = 'declined'") == 1)
        }
    }

    @Test func anotherNamespaceCannotCancelABookingOrSellOutTheStock() async throws {
        try await SampleHarness.run { env, _ in
            let database = env.store.client
            let book = BookTripItem(database: database)
            let cancel = CancelTripItem(database: database)
            let booked = try await Self.attempt("tenant-a", "1") { try await book.run(input: .init(tripId: "trip-1", kind: "car", itemId: "JFK-COMPACT")) }
            // B names A's booking id: it is not one of B's bookings, so nothing is canceled.
            let stolen = try await Self.attempt("tenant-b", "1") { try await cancel.run(input: .init(bookingId: booked.bookingId)) }
            #expect(!stolen.canceledNow)
            #expect(try await SampleHarness.count(env, "SELECT count(*)::int FROM reprise_samples.trip_bookings WHERE id = \(booked.bookingId) AND status = 'booked'") == 1)

            // The last car of an item: A takes it and A is sold out, but B has its own stock.
            try await database.query(
                "INSERT INTO reprise_samples.trip_catalogue (kind, item_id, description, capacity) VALUES ('car', 'LAST-ONE', 'The last car', 1)", logger: SampleHarness.logger
            ).drain()
            let last = BookTripItem.Input(tripId: "trip-1", kind: "car", itemId: "LAST-ONE")
            _ = try await Self.attempt("tenant-a", "2") { try await book.run(input: last) }
            let soldOut = await #expect(throws: ApplicationFailure.self) { try await Self.attempt("tenant-a", "3") { try await book.run(input: last) } }
            #expect(soldOut?.type == "SoldOut")
            let theirs = try await Self.attempt("tenant-b", "2") { try await book.run(input: last) }
            #expect(theirs.itemId == "LAST-ONE")
            #expect(try await SampleHarness.count(env, "SELECT booked FROM reprise_samples.trip_inventory WHERE namespace = 'tenant-b' AND item_id = 'JFK-COMPACT'") == 0)
            // The catalogue's sold-out car is sold out in every namespace.
            let convertible = await #expect(throws: ApplicationFailure.self) {
                try await Self.attempt("tenant-b", "3") { try await book.run(input: .init(tripId: "trip-1", kind: "car", itemId: "JFK-CONVERTIBLE")) }
            }
            #expect(convertible?.type == "SoldOut")
        }
    }

    @Test func theOutboxListsOneNamespacesMessages() async throws {
        try await SampleHarness.run { env, _ in
            let send = SendEmail(database: env.store.client, delivery: nil)
            _ = try await Self.attempt("tenant-a", "1") { try await send.run(input: .init(to: "ada@acme.example", subject: "For A", body: "a")) }
            _ = try await Self.attempt("tenant-b", "1") { try await send.run(input: .init(to: "bob@beta.example", subject: "For B", body: "b")) }
            #expect(try await Outbox.list(database: env.store.client, namespace: "tenant-a", workflowId: "direct").map(\.subject) == ["For A"])
            #expect(try await Outbox.list(database: env.store.client, namespace: "tenant-b").map(\.subject) == ["For B"])
            #expect(try await Outbox.list(database: env.store.client).isEmpty)
        }
    }
}
