/// A schedule spec Reprise refuses, naming the field at fault (`cron[1]`, `timezone`).
public struct ScheduleSpecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The field at fault.
    public var field: String
    /// What is wrong, with the value.
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}
