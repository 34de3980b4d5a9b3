extension WorkflowContext {
    /// Sets search attributes on the run, merged over the ones it has (from its start or earlier
    /// upserts), so that `GET …/workflows?query=` and `reprise workflow list --query` can find it.
    ///
    /// The upsert is a command, recorded in history as `UpsertWorkflowSearchAttributes`; the run's
    /// attributes change when the workflow task completes. On replay the code must upsert the same
    /// attributes at the same point, so adding an upsert to a workflow that has runs in flight
    /// goes behind ``patched(_:)``.
    ///
    /// ## Usage
    /// ```swift
    /// if context.patched("search-attributes") {
    ///     try context.upsertSearchAttributes(["stage": .string("qualified"), "score": .int(82)])
    /// }
    /// ```
    /// - Parameter attributes: at most ``SearchAttributes/maxPerUpsert`` values, by a name that is
    ///   not one of the run's own fields (``SearchAttributes/reservedNames``). A value replaces the
    ///   attribute's earlier value; an attribute is never removed.
    /// - Throws: ``PayloadError`` for a name or a count out of bounds (a bug in the code: it fails
    ///   the workflow task, not the run).
    public func upsertSearchAttributes(_ attributes: [String: SearchAttributeValue]) throws {
        try checkOnWorkflowThread("upsertSearchAttributes")
        guard !attributes.isEmpty else { return }
        guard attributes.count <= SearchAttributes.maxPerUpsert else {
            throw PayloadError(message: "an upsert sets \(attributes.count) search attributes; at most \(SearchAttributes.maxPerUpsert) are allowed")
        }
        for name in attributes.keys.sorted() {
            if let problem = SearchAttributes.problem(withName: name) { throw PayloadError(message: problem) }
            if SearchAttributes.reservedNames.contains(name) {
                throw PayloadError(message: "\"\(name)\" is a field of every run, not a search attribute to set")
            }
        }
        run.state.withLock { $0.commands.append(.upsertSearchAttributes(attributes.mapValues(\.json))) }
    }
}
