/// A signal declared once, by name and payload type, for the workflow that receives it and the
/// code that sends it. A misspelled name or a payload of the wrong type then fails to compile; the
/// string ``name`` is what history, the HTTP API and the CLI use.
///
/// ## Usage
/// ```swift
/// enum Checkout {
///     static let addItem = SignalDefinition<Item>("addItem")
/// }
/// // In the workflow:
/// let item = try await context.waitForSignal(Checkout.addItem)
/// // In a test or a parent workflow:
/// try await environment.signal("order-1", Checkout.addItem, Item(sku: "A1"))
/// ```
public struct SignalDefinition<Input: Codable & Sendable>: Sendable, Hashable {
    /// The signal's name, as history and the HTTP API spell it.
    public let name: String

    public init(_ name: String, input: Input.Type = Input.self) { self.name = name }
}

/// A query declared once, by name, argument type and result type (see
/// ``WorkflowContext/setQueryHandler(_:_:)-(QueryDefinition<Input,Output>,_)``). A query reads the
/// workflow's state and never changes it.
///
/// ## Usage
/// ```swift
/// static let state = QueryDefinition<NoInput, LeadState>("state")
/// context.setQueryHandler(Self.state) { _ in current.withLock { $0 } }
/// ```
public struct QueryDefinition<Input: Codable & Sendable, Output: Codable & Sendable>: Sendable, Hashable {
    /// The query's name, as the HTTP API and the CLI spell it.
    public let name: String

    public init(_ name: String, input: Input.Type = Input.self, output: Output.Type = Output.self) { self.name = name }
}

/// The argument of a signal or query that takes none. It decodes from any JSON (an empty request
/// body is `null`) and encodes as `null`.
public struct NoInput: Codable, Sendable, Hashable {
    public init() {}

    public init(from decoder: any Decoder) throws {}

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encodeNil()
    }
}
