import Workflow

/// An activity type with input and output erased to JSON.
public struct AnyActivity: Sendable {
    public let name: String
    package let run: @Sendable (Payload?) async throws -> Payload

    /// Erases an activity instance; the instance carries the activity's dependencies.
    public init<A: Activity>(_ activity: A) {
        self.name = A.name
        self.run = { input in
            let decoded = try (input ?? .null).decode(as: A.Input.self)
            return try Payload(encoding: try await activity.run(input: decoded))
        }
    }
}

/// The activities a worker runs, by name.
public struct ActivityRegistry: Sendable {
    private var activities: [String: AnyActivity] = [:]

    public init() {}

    public init(_ activities: [any Activity]) {
        for activity in activities { register(activity) }
    }

    /// Adds an activity; a later registration of the same name replaces the earlier one.
    public mutating func register<A: Activity>(_ activity: A) {
        activities[A.name] = AnyActivity(activity)
    }

    package subscript(name: String) -> AnyActivity? { activities[name] }

    /// The registered names, sorted.
    public var names: [String] { activities.keys.sorted() }
}
