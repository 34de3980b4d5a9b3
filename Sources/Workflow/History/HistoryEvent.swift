import Foundation

/// One event in a run's history. A run's events are numbered densely from 1.
///
/// The JSON form is the one the HTTP API returns and the replayer reads:
/// `{"eventId": 5, "eventTime": "…", "eventType": "ActivityTaskScheduled", "attributes": {…}}`.
public struct HistoryEvent: Sendable, Hashable, Codable {
    public var eventId: Int64
    public var eventTime: Date
    package var attributes: Attributes

    /// The event's type, from its attributes.
    public var eventType: EventType { attributes.eventType }

    package init(eventId: Int64, eventTime: Date, attributes: Attributes) {
        self.eventId = eventId
        self.eventTime = eventTime
        self.attributes = attributes
    }

    enum CodingKeys: String, CodingKey { case eventId, eventTime, eventType, attributes }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.eventId = try container.decode(Int64.self, forKey: .eventId)
        self.eventTime = try container.decode(Date.self, forKey: .eventTime)
        let typeName = try container.decode(String.self, forKey: .eventType)
        guard let type = EventType(rawValue: typeName) else {
            throw DecodingError.dataCorruptedError(
                forKey: .eventType, in: container, debugDescription: "unknown event type \(typeName)")
        }
        self.attributes = try Attributes(type: type, from: container)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(eventId, forKey: .eventId)
        try container.encode(eventTime, forKey: .eventTime)
        try container.encode(eventType.rawValue, forKey: .eventType)
        try attributes.encode(to: &container)
    }

    /// `{"attributes": {…}}` as JSON text, encoded once: the cheapest way for the Store to its
    /// `jsonb` column (which takes `->'attributes'`), without a round trip through ``JSONValue``.
    package func wrappedAttributesJSON() throws -> String {
        String(decoding: try JSONCoding.encoder.encode(WrappedAttributes(attributes: attributes)), as: UTF8.self)
    }

    private struct WrappedAttributes: Encodable {
        let attributes: Attributes
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try attributes.encode(to: &container)
        }
    }

    /// The attributes alone, as JSON, for error messages.
    public var attributesJSON: JSONValue {
        let encoded = (try? JSONValue(encoding: self)) ?? .null
        return encoded["attributes"] ?? .null
    }
}

/// A history in the JSON shape the API returns: `{"events": […]}`.
public struct History: Sendable, Hashable, Codable {
    public var events: [HistoryEvent]

    public init(events: [HistoryEvent]) { self.events = events }

    /// Decodes a history from the API's JSON.
    ///
    /// - Throws: ``PayloadError`` naming what is wrong with the JSON.
    public init(json: Data) throws {
        do {
            self = try JSONCoding.decoder.decode(History.self, from: json)
        } catch {
            throw PayloadError(message: "not a history in the form {\"events\":[…]}: \(error)")
        }
    }

    /// The API's JSON form.
    public func json() throws -> Data { try JSONCoding.encoder.encode(self) }
}

extension EventType {
    /// Events that record a command of a workflow task. They follow `WorkflowTaskCompleted`, and
    /// replay matches each one against the command the code emits.
    public var isCommandEvent: Bool {
        switch self {
        case .activityTaskScheduled, .activityTaskCancelRequested, .timerStarted, .timerCanceled, .markerRecorded, .upsertWorkflowSearchAttributes,
            .workflowExecutionCompleted, .workflowExecutionFailed, .workflowExecutionCanceled, .workflowExecutionContinuedAsNew,
            .startChildWorkflowExecutionInitiated, .signalExternalWorkflowExecutionInitiated, .requestCancelExternalWorkflowExecutionInitiated,
            .workflowExecutionUpdateCompleted:
            true
        default:
            false
        }
    }

    /// Events that close the run.
    public var isClosing: Bool {
        switch self {
        case .workflowExecutionCompleted, .workflowExecutionFailed, .workflowExecutionCanceled,
            .workflowExecutionTimedOut, .workflowExecutionTerminated, .workflowExecutionContinuedAsNew:
            true
        default:
            false
        }
    }
}
