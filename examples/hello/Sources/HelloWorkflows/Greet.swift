import Workflow

/// Whom to greet: the input of ``Hello`` and of ``Greet``.
public struct Greeting: Codable, Sendable, Equatable {
    public var name: String

    public init(name: String) { self.name = name }
}

/// The activity: where I/O belongs (a database, an e-mail, a model). This one only builds the
/// greeting, so that the example runs anywhere.
public struct Greet: Activity {
    /// The name histories record; fixed, so that renaming the type breaks no run in flight.
    public static var name: String { "greet" }

    public init() {}

    public func run(input: Greeting) async throws -> String {
        guard !input.name.isEmpty else {
            throw ApplicationFailure("the name is empty", type: "EmptyName", nonRetryable: true)
        }
        return "Hello, \(input.name)!"
    }
}
