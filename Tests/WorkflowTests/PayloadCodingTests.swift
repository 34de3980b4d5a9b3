import Foundation
import Testing
import Workflow

/// Payloads encode straight into `JSONValue` and decode straight out of it. These tests hold that
/// path to the JSON text round trip through `JSONCoding` that it replaced: the same values, the same
/// leniency, the same failures.
@Suite("Payload coding")
struct PayloadCodingTests {
    enum Shape: Codable, Equatable {
        case circle(radius: Double)
        case square(Int)
        case none
    }

    enum Tier: String, Codable { case free, pro }

    struct Line: Codable, Equatable {
        var sku: String
        var quantity: Int
        var price: Decimal
    }

    struct Order: Codable, Equatable {
        var id: UUID
        var placedAt: Date
        var receipt: Data
        var link: URL
        var lines: [Line]
        var note: String?
        var coupon: String?
        var tier: Tier
        var shapes: [Shape]
        var countsByName: [String: Int]
        var namesByNumber: [Int: String]
        var matrix: [[Int?]]
        var flags: Set<String>
        var ratio: Double
        var wholeDouble: Double
        var float: Float
        var big: UInt64
        var small: Int8
        var negative: Int64
        var active: Bool
        var extra: JSONValue
    }

    /// Encodes through a superclass container and a nested unkeyed container, as hand-written
    /// `Codable` conformances do.
    struct HandWritten: Codable, Equatable {
        var base: String
        var items: [Int]

        enum Keys: String, CodingKey { case base, items }

        init(base: String, items: [Int]) {
            self.base = base
            self.items = items
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            base = try container.superDecoder(forKey: .base).singleValueContainer().decode(String.self)
            var list = try container.nestedUnkeyedContainer(forKey: .items)
            var items: [Int] = []
            while !list.isAtEnd { items.append(try list.decode(Int.self)) }
            self.items = items
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            var base = container.superEncoder(forKey: .base).singleValueContainer()
            try base.encode(self.base)
            var list = container.nestedUnkeyedContainer(forKey: .items)
            for item in items { try list.encode(item) }
        }
    }

    static let order = Order(
        id: UUID(uuidString: "5B1F3C1E-8C9A-4E2B-9F3A-2D1C0B9A8F7E")!,
        placedAt: Date(timeIntervalSince1970: 1_764_000_000.5),
        receipt: Data([0, 1, 2, 250, 255]),
        link: URL(string: "https://example.com/orders/7?x=1")!,
        lines: [Line(sku: "A-1", quantity: 2, price: Decimal(string: "19.99")!), Line(sku: "B/2", quantity: 1, price: 5)],
        note: "fragile ✓ \"quoted\"",
        coupon: nil,
        tier: .pro,
        shapes: [.circle(radius: 1.5), .square(3), .none],
        countsByName: ["a": 1, "b": -2],
        namesByNumber: [1: "one", 20: "twenty"],
        matrix: [[1, nil, 3], []],
        flags: ["x"],
        ratio: 0.1,
        wholeDouble: 2,
        float: 0.1,
        big: 1 << 63,
        small: -8,
        negative: Int64.min,
        active: true,
        extra: .object(["k": .array([.null, .bool(false), .double(1.25)])]))

    /// What the replaced path gave: the value as JSON text, parsed back into a `JSONValue`.
    static func viaText(_ value: some Encodable) throws -> JSONValue {
        try JSONCoding.decoder.decode(JSONValue.self, from: try JSONCoding.encoder.encode(value))
    }

    @Test func encodingGivesTheValueTheJSONTextRoundTripGives() throws {
        #expect(try Payload(encoding: Self.order) == Self.viaText(Self.order))
        let handWritten = HandWritten(base: "b", items: [3, 1, 2])
        #expect(try Payload(encoding: handWritten) == Self.viaText(handWritten))
        #expect(try Payload(encoding: 42) == Self.viaText(42))
        #expect(try Payload(encoding: "s") == Self.viaText("s"))
        #expect(try Payload(encoding: 2.0) == Self.viaText(2.0))
        #expect(try Payload(encoding: 2.5) == Self.viaText(2.5))
        #expect(try Payload(encoding: Optional<Int>.none) == Self.viaText(Optional<Int>.none))
    }

    @Test func decodingRestoresTheValue() throws {
        #expect(try Payload(encoding: Self.order).decode(as: Order.self) == Self.order)
        #expect(try Self.viaText(Self.order).decode(as: Order.self) == Self.order)
        let handWritten = HandWritten(base: "b", items: [3, 1, 2])
        #expect(try Payload(encoding: handWritten).decode(as: HandWritten.self) == handWritten)
        #expect(try Payload.null.decode(as: Int?.self) == nil)
    }

    @Test func numbersConvertAsJSONDecoderConvertsThem() throws {
        #expect(try Payload.double(2.0).decode(as: Int.self) == 2)
        #expect(try Payload.int(3).decode(as: Double.self) == 3)
        #expect(throws: PayloadError.self) { try Payload.double(2.5).decode(as: Int.self) }
        #expect(throws: PayloadError.self) { try Payload.int(300).decode(as: Int8.self) }
        #expect(throws: PayloadError.self) { try Payload.int(-1).decode(as: UInt.self) }
        #expect(throws: PayloadError.self) { try Payload.int(1).decode(as: Bool.self) }
        #expect(throws: PayloadError.self) { try Payload(encoding: Double.nan) }
        #expect(throws: PayloadError.self) { try Payload(encoding: [Float.infinity]) }
    }

    @Test func aMismatchNamesTheTypeAndThePath() throws {
        let payload = try Payload(encoding: Self.order)
        guard case .object(var members) = payload else { Issue.record("an order encodes as an object"); return }
        members["lines"] = .array([.object(["sku": .string("A"), "quantity": .string("two"), "price": .int(1)])])
        let error = #expect(throws: PayloadError.self) { try Payload.object(members).decode(as: Order.self) }
        #expect(error?.message.contains("cannot decode Order") == true)
        #expect(error?.message.contains("quantity") == true)

        members["lines"] = payload["lines"]
        members.removeValue(forKey: "tier")
        let missing = #expect(throws: PayloadError.self) { try Payload.object(members).decode(as: Order.self) }
        #expect(missing?.message.contains("tier") == true)
        #expect(throws: PayloadError.self) { try Payload.string("not a date").decode(as: Date.self) }
    }

    struct Outer {
        struct Inner: Activity {
            func run(input: Int) async throws -> Int { input }
        }
    }

    struct Generic<Value: Sendable>: Activity {
        func run(input: Int) async throws -> Int { input }
    }

    @Test func defaultNamesAreTheSwiftTypeNames() {
        #expect(Outer.Inner.name == "Inner")
        #expect(Outer.Inner.name == String(describing: Outer.Inner.self))
        #expect(Generic<Int>.name == String(describing: Generic<Int>.self))
    }
}
