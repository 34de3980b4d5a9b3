import Workflow

/// A path into a JSON payload: dot-separated object keys and array indexes (`data.object.id`,
/// `items.0.price`), or `$` for the whole payload.
struct PayloadPath: Sendable, Equatable, CustomStringConvertible {
    let segments: [String]

    /// - Throws: ``WebhookMappingError`` for an empty path or an empty segment (`a..b`).
    init(parsing text: String, key: String) throws {
        if text == "$" {
            segments = []
            return
        }
        let segments = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !text.isEmpty, !segments.contains(where: \.isEmpty) else {
            throw WebhookMappingError(key: key, "\"\(text)\" is not a path: dot-separated keys (data.object.id), or $ for the whole payload")
        }
        self.segments = segments
    }

    var description: String { segments.isEmpty ? "$" : segments.joined(separator: ".") }

    /// The value at the path, or nil when the payload has none there.
    func value(in payload: Payload) -> Payload? {
        var value = payload
        for segment in segments {
            switch value {
            case .object(let object):
                guard let next = object[segment] else { return nil }
                value = next
            case .array(let array):
                guard let index = Int(segment), array.indices.contains(index) else { return nil }
                value = array[index]
            default: return nil
            }
        }
        return value
    }
}

/// A string with `{path}` fields filled from a payload (`"subscription-{data.object.subscription}"`).
/// `{{` and `}}` stand for literal braces. A field must be a string, a number or a boolean.
struct StringTemplate: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case literal(String)
        case field(PayloadPath)
    }

    let parts: [Part]

    /// - Throws: ``WebhookMappingError`` naming `key` for an unclosed or stray brace or a bad path.
    init(parsing text: String, key: String) throws {
        var parts: [Part] = []
        var literal = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if character == "{" || character == "}", next < text.endIndex, text[next] == character {
                literal.append(character)
                index = text.index(after: next)
            } else if character == "{" {
                guard let close = text[next...].firstIndex(of: "}") else { throw WebhookMappingError(key: key, "\"\(text)\" has a \"{\" that is never closed") }
                if !literal.isEmpty { parts.append(.literal(literal)) }
                literal = ""
                parts.append(.field(try PayloadPath(parsing: String(text[next..<close]), key: key)))
                index = text.index(after: close)
            } else if character == "}" {
                throw WebhookMappingError(key: key, "\"\(text)\" has a \"}\" that closes nothing (write }} for a literal brace)")
            } else {
                literal.append(character)
                index = next
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    /// The template's only field, when the template is exactly one field (`"{data.object}"`):
    /// a JSON template then takes the field's value as it is, of whatever type.
    var soleField: PayloadPath? {
        guard parts.count == 1, case .field(let path) = parts[0] else { return nil }
        return path
    }

    /// The string, or a reason why the payload cannot fill it.
    func render(_ payload: Payload) -> Result<String, WebhookRoutingFailure> {
        var text = ""
        for part in parts {
            switch part {
            case .literal(let literal): text += literal
            case .field(let path):
                switch path.value(in: payload) {
                case .string(let value)?: text += value
                case .int(let value)?: text += String(value)
                case .bool(let value)?: text += String(value)
                case .double(let value)? where value.isFinite && value.rounded() == value && abs(value) < 1e15: text += String(Int64(value))
                case nil, .null?: return .failure(WebhookRoutingFailure("the payload has no value at \(path)"))
                case .some: return .failure(WebhookRoutingFailure("the value at \(path) is not a string, an integer or a boolean"))
                }
            }
        }
        return .success(text)
    }
}

/// A JSON value whose strings are ``StringTemplate``s: a string that is one field takes the
/// field's value whole (an object stays an object), any other string is filled as text.
struct JSONTemplate: Sendable, Equatable {
    indirect enum Node: Sendable, Equatable {
        case value(Payload)
        case field(PayloadPath)
        case text(StringTemplate)
        case array([Node])
        case object([String: Node])
    }

    let root: Node

    init(parsing value: Payload, key: String) throws {
        root = try Self.node(value, key: key)
    }

    private static func node(_ value: Payload, key: String) throws -> Node {
        switch value {
        case .string(let text):
            let template = try StringTemplate(parsing: text, key: key)
            return template.soleField.map(Node.field) ?? .text(template)
        case .array(let items): return .array(try items.enumerated().map { try node($0.element, key: "\(key)[\($0.offset)]") })
        case .object(let object):
            return .object(try Dictionary(uniqueKeysWithValues: object.map { ($0.key, try node($0.value, key: "\(key).\($0.key)")) }))
        default: return .value(value)
        }
    }

    func render(_ payload: Payload) -> Result<Payload, WebhookRoutingFailure> {
        Result { try Self.render(root, payload) }.mapError { $0 as? WebhookRoutingFailure ?? WebhookRoutingFailure("\($0)") }
    }

    private static func render(_ node: Node, _ payload: Payload) throws -> Payload {
        switch node {
        case .value(let value): return value
        case .field(let path):
            guard let value = path.value(in: payload) else { throw WebhookRoutingFailure("the payload has no value at \(path)") }
            return value
        case .text(let template): return .string(try template.render(payload).get())
        case .array(let nodes): return .array(try nodes.map { try render($0, payload) })
        case .object(let nodes): return .object(try nodes.mapValues { try render($0, payload) })
        }
    }
}

/// Why an event could not be routed: the reason a dead letter records.
struct WebhookRoutingFailure: Error, Sendable, Equatable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
