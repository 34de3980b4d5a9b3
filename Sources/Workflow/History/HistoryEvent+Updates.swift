extension HistoryEvent {
    /// Who sent an update, and its id: Temporal's `update.v1.Meta`.
    package struct UpdateMeta: Sendable, Hashable, Codable {
        package var updateId: String
        package var identity: String?

        package init(updateId: String, identity: String? = nil) {
            self.updateId = updateId
            self.identity = identity
        }
    }

    /// An update's handler name and arguments: Temporal's `update.v1.Input`.
    package struct UpdateInput: Sendable, Hashable, Codable {
        package var name: String
        package var args: Payload?

        package init(name: String, args: Payload?) {
            self.name = name
            self.args = args
        }
    }

    /// An accepted update request: Temporal's `update.v1.Request`.
    package struct UpdateRequest: Sendable, Hashable, Codable {
        package var meta: UpdateMeta
        package var input: UpdateInput

        package init(meta: UpdateMeta, input: UpdateInput) {
            self.meta = meta
            self.input = input
        }
    }

    /// How an update's handler ended: Temporal's `update.v1.Outcome`, a result or a failure.
    package struct UpdateOutcome: Sendable, Hashable, Codable {
        package var success: Payload?
        package var failure: Failure?

        package init(success: Payload? = nil, failure: Failure? = nil) {
            self.success = success
            self.failure = failure
        }
    }
}
