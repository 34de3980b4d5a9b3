/// A workflow type with its input and output erased to JSON, as the runtime runs it.
public struct AnyWorkflow: Sendable {
    /// The type name recorded in history.
    public let name: String
    let body: @Sendable (WorkflowContext, Payload?) async throws -> Payload

    /// Erases a workflow type.
    public init<W: Workflow>(_ type: W.Type) {
        self.name = W.name
        self.body = { context, input in
            let decoded = try (input ?? .null).decode(as: W.Input.self)
            return try Payload(encoding: try await W().run(context: context, input: decoded))
        }
    }
}

/// The workflow types a worker or a replayer knows, by name.
public struct WorkflowRegistry: Sendable {
    private var workflows: [String: AnyWorkflow] = [:]

    public init() {}

    /// Creates a registry of the given workflow types.
    public init(_ types: [any Workflow.Type]) {
        for type in types { register(type) }
    }

    /// Adds a workflow type; a later registration of the same name replaces the earlier one.
    public mutating func register<W: Workflow>(_ type: W.Type) {
        workflows[W.name] = AnyWorkflow(type)
    }

    /// The workflow registered under `name`.
    ///
    /// - Throws: ``WorkflowTaskError`` with code `UnknownWorkflowType`, listing what is registered.
    public func workflow(named name: String) throws -> AnyWorkflow {
        guard let workflow = workflows[name] else {
            throw WorkflowTaskError(
                code: .unknownWorkflowType,
                message: "no workflow type \"\(name)\" is registered with this worker; registered: \(names.joined(separator: ", "))")
        }
        return workflow
    }

    /// The registered type names, sorted.
    public var names: [String] { workflows.keys.sorted() }
}
