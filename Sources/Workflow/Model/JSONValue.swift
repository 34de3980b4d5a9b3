import Foundation

/// A JSON value: the form every payload, input, result and event attribute takes in Reprise.
///
/// Payloads stay JSON all the way from the HTTP API through Postgres (`jsonb`) to the history
/// that `reprise workflow show` prints, so a user can read them without a codec.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

/// The payload of an input, a result, a signal or failure details.
public typealias Payload = JSONValue

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue {
    /// Encodes a `Codable` value as JSON.
    ///
    /// - Throws: ``PayloadError`` when the value cannot be encoded.
    public init(encoding value: some Encodable) throws {
        do {
            self = try JSONValueEncoder.encode(value)
        } catch {
            throw PayloadError(
                message: "cannot encode a value of type \(type(of: value)) as JSON: \(error)"
            )
        }
    }

    /// Decodes this JSON as a `Decodable` type.
    ///
    /// - Throws: ``PayloadError`` naming the expected type when the JSON does not fit it.
    public func decode<T: Decodable>(as type: T.Type = T.self) throws -> T {
        do {
            return try JSONValueDecoder.decode(T.self, from: self)
        } catch {
            throw PayloadError(message: "cannot decode \(T.self) from payload \(self.compactDescription): \(error)")
        }
    }

    /// The JSON text of this value, with sorted keys, for logs and error messages.
    public var compactDescription: String {
        guard let data = try? JSONCoding.encoder.encode(self) else { return "<unencodable>" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The elements when this is an array, else none.
    public var arrayValue: [JSONValue] {
        if case .array(let array) = self { return array }
        return []
    }

    /// The members when this is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// The value under `key` when this is an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }
}

/// A payload could not be encoded or decoded. It fails the workflow task, never the workflow,
/// because it points at a bug in the code, not at a business outcome.
public struct PayloadError: Error, CustomStringConvertible, Sendable {
    /// What did not fit, naming the type.
    public var message: String
    public var description: String { "PayloadError: \(message)" }
}

/// The JSON coders used for payloads and history, configured in one place.
package enum JSONCoding {
    package static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.format(date))
        }
        return encoder
    }()

    package static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "expected an RFC 3339 time, got \(text)")
            }
            return date
        }
        return decoder
    }()
}

/// RFC 3339 times in UTC with milliseconds, as the API and history print them.
package enum RFC3339 {
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let withoutFraction = Date.ISO8601FormatStyle()

    package static func format(_ date: Date) -> String {
        withFraction.format(date)
    }

    package static func parse(_ text: String) -> Date? {
        (try? withFraction.parse(text)) ?? (try? withoutFraction.parse(text))
    }
}
