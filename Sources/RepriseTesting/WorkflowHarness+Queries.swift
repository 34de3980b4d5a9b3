import Workflow

extension WorkflowHarness {
    /// Delivers a declared signal (see ``signal(_:_:)``).
    public func signal<Input>(_ signal: SignalDefinition<Input>, _ input: Input) throws {
        try self.signal(signal.name, input)
    }

    /// Asks the run a declared query, against its state after the last workflow task.
    ///
    /// - Throws: ``QueryError`` for an unknown name or a handler that threw or tried to schedule.
    public func query<Input, Output>(_ query: QueryDefinition<Input, Output>, _ input: Input) throws -> Output {
        try run.query(query.name, input: try Payload(encoding: input)).decode(as: Output.self)
    }

    /// Asks the run a query by name, with its arguments as JSON.
    public func query(_ name: String, _ input: Payload = .null) throws -> Payload {
        try run.query(name, input: input)
    }
}
