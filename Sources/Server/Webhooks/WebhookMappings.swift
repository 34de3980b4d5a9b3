import Foundation
import HTTPTypes
import Store
import Workflow

/// The webhook mapping file (docs/webhooks.md): per source, how its deliveries are signed, where
/// its event id and type are, and per event type which workflow gets which signal, and whether a
/// missing workflow is started. Checked whole when loaded, so a bad file stops the server at
/// start-up with the key at fault, never a delivery.
public struct WebhookMappings: Sendable {
    /// One provider that sends webhooks.
    struct Source: Sendable {
        var name: String
        var scheme: WebhookSignatureScheme
        /// The namespaces its deliveries may be posted to.
        var namespaces: Set<String>
        var eventId: PayloadPath
        var eventType: PayloadPath
        /// By event type.
        var events: [String: Event]
    }

    /// What one event type becomes.
    struct Event: Sendable {
        var workflowId: StringTemplate
        var signal: String
        var signalInput: JSONTemplate
        var start: Start?
    }

    /// How a missing workflow is started (then the event is a signal-with-start).
    struct Start: Sendable {
        var type: String
        var taskQueue: String?
        var input: JSONTemplate?
        var idReusePolicy: WorkflowIdReusePolicy
    }

    /// By source name.
    let sources: [String: Source]

    /// The mappings in a file.
    ///
    /// - Throws: ``WebhookMappingError`` naming the file, or the key at fault.
    public static func load(path: String, limits: Limits = Limits()) throws -> WebhookMappings {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WebhookMappingError(key: path, "cannot read the webhook mapping file")
        }
        return try WebhookMappings(json: data, limits: limits)
    }

    /// The mappings in a file's JSON.
    ///
    /// - Throws: ``WebhookMappingError`` naming the key at fault.
    public init(json data: Data, limits: Limits = Limits()) throws {
        let root: Payload
        do {
            root = try JSONCoding.decoder.decode(Payload.self, from: data)
        } catch {
            throw WebhookMappingError(key: "(file)", "is not valid JSON")
        }
        let file = try Self.object(root, key: "(file)", allowed: ["sources"])
        var sources: [String: Source] = [:]
        for (name, value) in try Self.object(file["sources"] ?? .object([:]), key: "sources", allowed: nil) {
            sources[name] = try Self.source(name: name, value, limits: limits)
        }
        self.sources = sources
    }

    /// A source's name becomes part of its secret's variable name, so it is short and plain.
    static func isValidSourceName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.utf8.count <= 64 else { return false }
        let letters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz")
        let allowed = letters.union(CharacterSet(charactersIn: "0123456789_-"))
        return letters.contains(first) && name.unicodeScalars.allSatisfy(allowed.contains)
    }

    private static func source(name: String, _ value: Payload, limits: Limits) throws -> Source {
        let key = "sources.\(name)"
        guard isValidSourceName(name) else {
            throw WebhookMappingError(key: key, "a source name is a lowercase letter, then lowercase letters, digits, _ or -, up to 64")
        }
        let object = try object(value, key: key, allowed: ["scheme", "signatureHeader", "namespaces", "eventId", "eventType", "events"])
        let schemeName = try string(object["scheme"], key: "\(key).scheme") ?? ""
        let header = try string(object["signatureHeader"], key: "\(key).signatureHeader")
        let scheme: WebhookSignatureScheme
        switch schemeName {
        case "stripe":
            guard header == nil else { throw WebhookMappingError(key: "\(key).signatureHeader", "the stripe scheme always reads Stripe-Signature") }
            scheme = .stripe
        case "hmac-sha256":
            let text = header ?? WebhookSignatureScheme.defaultHMACHeader
            guard let field = HTTPField.Name(text) else { throw WebhookMappingError(key: "\(key).signatureHeader", "\"\(text)\" is not a header name") }
            scheme = .hmacSHA256(header: field)
        default: throw WebhookMappingError(key: "\(key).scheme", "must be \"stripe\" or \"hmac-sha256\"")
        }
        var namespaces: Set<String> = ["default"]
        if let list = object["namespaces"] {
            guard case .array(let items) = list, !items.isEmpty else { throw WebhookMappingError(key: "\(key).namespaces", "must be a non-empty array of names") }
            namespaces = Set(try items.map { try identifier($0, key: "\(key).namespaces", limits: limits) })
        }
        var events: [String: Event] = [:]
        for (type, mapping) in try Self.object(object["events"] ?? .null, key: "\(key).events", allowed: nil) {
            events[type] = try event(mapping, key: "\(key).events.\(type)", limits: limits)
        }
        return Source(
            name: name, scheme: scheme, namespaces: namespaces,
            eventId: try PayloadPath(parsing: try string(object["eventId"], key: "\(key).eventId") ?? "id", key: "\(key).eventId"),
            eventType: try PayloadPath(parsing: try string(object["eventType"], key: "\(key).eventType") ?? "type", key: "\(key).eventType"),
            events: events)
    }

    private static func event(_ value: Payload, key: String, limits: Limits) throws -> Event {
        let object = try object(value, key: key, allowed: ["workflowId", "signal", "signalInput", "start"])
        guard let workflowId = try string(object["workflowId"], key: "\(key).workflowId") else {
            throw WebhookMappingError(key: "\(key).workflowId", "is required: a template such as \"subscription-{data.object.subscription}\"")
        }
        guard let signal = object["signal"] else { throw WebhookMappingError(key: "\(key).signal", "is required: the signal's name") }
        var start: Start?
        if let value = object["start"] {
            let startKey = "\(key).start"
            let fields = try self.object(value, key: startKey, allowed: ["type", "taskQueue", "input", "idReusePolicy"])
            guard let type = fields["type"] else { throw WebhookMappingError(key: "\(startKey).type", "is required: the workflow type to start") }
            let policy = try string(fields["idReusePolicy"], key: "\(startKey).idReusePolicy")
            guard let idReusePolicy = policy.map(WorkflowIdReusePolicy.init(rawValue:)) ?? .allowDuplicate else {
                throw WebhookMappingError(
                    key: "\(startKey).idReusePolicy", "must be one of \(WorkflowIdReusePolicy.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            start = Start(
                type: try identifier(type, key: "\(startKey).type", limits: limits),
                taskQueue: try fields["taskQueue"].map { try identifier($0, key: "\(startKey).taskQueue", limits: limits) },
                input: try fields["input"].map { try JSONTemplate(parsing: $0, key: "\(startKey).input") }, idReusePolicy: idReusePolicy)
        }
        return Event(
            workflowId: try StringTemplate(parsing: workflowId, key: "\(key).workflowId"),
            signal: try identifier(signal, key: "\(key).signal", limits: limits),
            signalInput: try JSONTemplate(parsing: object["signalInput"] ?? .string("{$}"), key: "\(key).signalInput"), start: start)
    }

    private static func object(_ value: Payload, key: String, allowed: Set<String>?) throws -> [String: Payload] {
        guard case .object(let object) = value else { throw WebhookMappingError(key: key, "must be a JSON object") }
        if let allowed, let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw WebhookMappingError(key: "\(key).\(unknown)", "is not a known key; known: \(allowed.sorted().joined(separator: ", "))")
        }
        return object
    }

    private static func string(_ value: Payload?, key: String) throws -> String? {
        switch value {
        case nil: return nil
        case .string(let text)?: return text
        case .some: throw WebhookMappingError(key: key, "must be a string")
        }
    }

    private static func identifier(_ value: Payload, key: String, limits: Limits) throws -> String {
        guard case .string(let text) = value else { throw WebhookMappingError(key: key, "must be a string") }
        do {
            try limits.checkIdentifier(text, field: key)
        } catch let error as StoreError {
            throw WebhookMappingError(key: key, error.message)
        }
        return text
    }
}

/// A webhook mapping file that cannot be used.
public struct WebhookMappingError: Error, Sendable, CustomStringConvertible {
    /// The key at fault, as a dotted path (`sources.stripe.events.invoice.paid.workflowId`).
    public let key: String
    public let message: String

    init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "webhook mappings: \(key): \(message)" }
}
