import Synchronization
import Workflow

/// Stands in for an activity in a test: registered under the mocked activity's name, it answers
/// each call with a closure instead of doing the activity's I/O, and records the inputs it got.
///
/// Pass it wherever the activity goes: to ``TestEnvironment`` (a real worker on Postgres, with the
/// engine's retries) or to ``WorkflowHarness`` (in memory, one attempt per call).
///
/// ## Usage
/// ```swift
/// let charge = MockActivity(Charge.self) { order in Receipt(orderId: order.id, cents: order.cents) }
/// let declined = MockActivity(Charge.self) { _ in
///     throw ApplicationFailure("card declined", type: "PaymentDeclined", nonRetryable: true)
/// }
/// try await TestEnvironment.run(workflows: [Checkout.self], activities: [charge]) { env in … }
/// #expect(charge.calls.count == 1)
/// ```
public struct MockActivity<Mocked: Activity>: Activity {
    public typealias Input = Mocked.Input
    public typealias Output = Mocked.Output

    /// The mocked activity's name, so that the workflow's calls reach the mock.
    public static var name: String { Mocked.name }

    private let body: @Sendable (Input) async throws -> Output
    private let recorded = Recorded()

    /// A mock of `activity` that answers with `body`; `body` throws to fail the attempt (an
    /// ``ApplicationFailure`` controls retries, as the activity's own would).
    public init(_ activity: Mocked.Type, _ body: @escaping @Sendable (Input) async throws -> Output) {
        self.body = body
    }

    /// A mock of `activity` that answers every call with `output`.
    public static func returning(_ output: Output, for activity: Mocked.Type) -> MockActivity {
        MockActivity(activity) { _ in output }
    }

    /// A mock of `activity` whose every call fails with `failure`.
    public static func failing(with failure: ApplicationFailure, for activity: Mocked.Type) -> MockActivity {
        MockActivity(activity) { _ in throw failure }
    }

    public func run(input: Input) async throws -> Output {
        recorded.append(input)
        return try await body(input)
    }

    /// The inputs of every call so far, in the order they came: one per attempt.
    public var calls: [Input] { recorded.inputs }

    /// The calls, shared by every copy of the mock (the registries keep copies).
    private final class Recorded: Sendable {
        private let storage = Mutex<[Input]>([])
        func append(_ input: Input) { storage.withLock { $0.append(input) } }
        var inputs: [Input] { storage.withLock { $0 } }
    }
}
