import Foundation
import Hummingbird
import Store
import Workflow

extension API {
    /// How far an update request waits: until the update is accepted, or until its handler ends.
    enum UpdateStage: String, Codable {
        case accepted, completed
    }

    /// `POST …/updates/{name}`'s body.
    struct UpdateRequest: Decodable {
        var args: Payload?
        var updateId: String?
        var waitForStage: UpdateStage?
    }

    /// An update carried by a start request (update-with-start).
    struct StartUpdate: Decodable {
        var name: String
        var args: Payload?
        var updateId: String?
        var waitForStage: UpdateStage?
    }

    /// Where an update stands: accepted, or completed with its result or failure.
    struct UpdateResponse: Encodable {
        var updateId: String
        var stage: UpdateStage
        var result: Payload?
        var failure: Failure?
    }
}

extension APIServer {
    /// The failure type of an update that its validator (or a missing handler) rejected.
    static let updateRejected = "UpdateRejected"

    /// `POST …/workflows/{id}/updates/{name}` (docs/queries.md, "Updates").
    func addUpdateRoutes(to router: Router<BasicRequestContext>) {
        router.post("/api/v1/namespaces/:namespace/workflows/:workflowId/updates/:updateName") { request, context in
            var request = request
            let (namespace, workflowId) = try workflowParameters(context)
            let name = try Self.pathParameter("updateName", in: context)
            let identity = try await authorize(request, namespace: namespace, needs: .writer)
            let body = try await JSONBody.decode(API.UpdateRequest.self, from: &request, limit: configuration.maxBodySize, allowEmpty: true)
            let update = try checkedUpdate(name: name, args: body.args, updateId: body.updateId)
            let response = try await performUpdate(
                update, namespace: namespace, workflowId: workflowId, runId: try Self.runId(request), wait: body.waitForStage ?? .completed,
                identity: identity)
            return try JSONBody.response(response)
        }
    }

    /// An update's name, arguments and id, checked against the limits; a new id when none is given.
    func checkedUpdate(name: String, args: Payload?, updateId: String?) throws -> (name: String, args: Payload, updateId: String) {
        try configuration.limits.checkIdentifier(name, field: "update name")
        try configuration.limits.checkPayload(args, field: "update args")
        if let updateId { try configuration.limits.checkIdentifier(updateId, field: "updateId") }
        return (name, args ?? .null, updateId ?? UUID().uuidString.lowercased())
    }

    /// Validates an update with a worker of the run's queue, accepts it if the history has not
    /// moved since (else validates again), and waits for `wait`. An update id the run has seen
    /// answers with its first outcome and runs nothing.
    func performUpdate(
        _ update: (name: String, args: Payload, updateId: String), namespace: String, workflowId: String, runId: UUID?, wait: API.UpdateStage,
        identity: String
    ) async throws -> API.UpdateResponse {
        let run = try await database { [store] in try await store.runStatus(namespace: namespace, workflowId: workflowId, runId: runId) }
        if let existing = try await database({ [store] in try await store.update(runId: run.runId, updateId: update.updateId) }) {
            return try await outcome(existing, runId: run.runId, updateId: update.updateId, wait: wait)
        }
        // The history moves on while a workflow task is pending (a signal, say): validated again,
        // with a growing pause, until the task has run or the query timeout passes.
        let deadline = ContinuousClock.now + configuration.queryTimeout
        var pause = Duration.milliseconds(10)
        var rounds = 0
        while rounds == 0 || ContinuousClock.now < deadline {
            if rounds > 0 {
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(200))
            }
            rounds += 1
            let asked = try await ask(
                .validateUpdate, namespace: namespace, workflowId: workflowId, runId: run.runId, name: update.name, args: update.args)
            let nextEventId: Int64
            switch asked.answer?.outcome {
            case nil:
                throw queryTimedOut(asked, namespace: namespace)
            case .failed(let code, let message):
                guard [QueryError.Code.rejected, .notReadOnly, .failed].map(\.rawValue).contains(code) else {
                    throw Self.queryFailure(code: code, message: message)
                }
                // Rejected: nothing was written; the caller gets the validator's error.
                return API.UpdateResponse(updateId: update.updateId, stage: .completed, failure: Failure(message: message, type: Self.updateRejected))
            case .answered(let answer):
                guard case .int(let next)? = answer["nextEventId"] else {
                    throw APIError(.badGateway, code: QueryError.Code.workerFailed.rawValue, "the worker's validation answer has no nextEventId")
                }
                nextEventId = next
            }
            let acceptance = try await database { [store, clock] in
                try await store.acceptUpdate(
                    runId: run.runId, updateId: update.updateId, name: update.name, args: update.args, identity: identity,
                    expectedNextEventId: nextEventId, at: clock.now)
            }
            switch acceptance {
            case .stale:
                continue
            case .existing(let record):
                return try await outcome(record, runId: run.runId, updateId: update.updateId, wait: wait)
            case .accepted(let acceptedEventId):
                let record = UpdateRecord(name: update.name, acceptedEventId: acceptedEventId, completed: false)
                return try await outcome(record, runId: run.runId, updateId: update.updateId, wait: wait)
            }
        }
        throw APIError(
            .conflict, code: "UpdateContended",
            "the run's history changed \(rounds) times while update \(update.updateId) was validated; send it again")
    }

    /// The update's response, after waiting (at most ``Configuration/updateWaitTimeout``) for its
    /// handler to end when the caller waits for completion; past that, the stage reached.
    private func outcome(_ record: UpdateRecord, runId: UUID, updateId: String, wait: API.UpdateStage) async throws -> API.UpdateResponse {
        var record = record
        if !record.completed && wait == .completed {
            let deadline = ContinuousClock.now + configuration.updateWaitTimeout
            record = try await queryWatch.watching("\(runId.uuidString.lowercased())/\(updateId)") { wakeup in
                var current = record
                while !current.completed && ContinuousClock.now < deadline {
                    await wakeup.wait(timeout: min(deadline - ContinuousClock.now, .milliseconds(250)))
                    current = try await database { [store] in try await store.update(runId: runId, updateId: updateId) } ?? current
                }
                return current
            }
        }
        guard record.completed else { return API.UpdateResponse(updateId: updateId, stage: .accepted) }
        return API.UpdateResponse(updateId: updateId, stage: .completed, result: record.failure == nil ? (record.result ?? .null) : nil, failure: record.failure)
    }
}
