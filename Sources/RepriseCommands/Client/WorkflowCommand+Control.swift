import ArgumentParser
import Foundation
import Workflow

/// The per-run commands that act on a run: signal, cancel, terminate and resume.
extension WorkflowCommand {
    static let runIdHelp = ArgumentHelp("A run id; the open or latest run of the workflow id by default.")

    /// Reads `--run-id`: a UUID, as the API takes it.
    static func runIdArgument(_ text: String) throws -> String {
        guard let id = UUID(uuidString: text) else { throw ValidationError("a run id is a UUID, like 3f2c9a4e-8b1d-4c7e-9f00-1a2b3c4d5e6f") }
        return id.uuidString.lowercased()
    }

    /// A per-run route's query string: the run id, then the others given.
    static func query(runId: String?, _ more: [String] = []) -> String {
        let items = (runId.map { ["runId=\($0)"] } ?? []) + more
        return items.isEmpty ? "" : "?" + items.joined(separator: "&")
    }

    struct Signal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a signal to a run.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The workflow id.") var workflowId: String
        @Option(help: runIdHelp, transform: runIdArgument) var runId: String?
        @Option(help: "The signal name.") var name: String
        @Option(help: "The payload, as JSON.") var input: String?
        @Option(help: "A request id: repeating the signal with it delivers it once.") var requestId: String?

        func run() async throws {
            let payload = try input.map { try parseJSON($0, option: "--input").compactDescription } ?? "null"
            let query = WorkflowCommand.query(runId: runId, requestId.map { ["requestId=\(segment($0))"] } ?? [])
            try await client.withClient { api in
                let text = try await api.send(
                    .POST, "\(client.namespacePath)/workflows/\(segment(workflowId))/signals/\(segment(name))\(query)", body: payload)
                print(client.output.isJSON ? text : "Signaled \(workflowId) with \(name)")
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ask a run to cancel; it may compensate first.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The workflow id.") var workflowId: String
        @Option(help: runIdHelp, transform: runIdArgument) var runId: String?

        func run() async throws {
            try await client.withClient { api in
                let text = try await api.send(.POST, "\(client.namespacePath)/workflows/\(segment(workflowId))/cancel\(query(runId: runId))")
                print(client.output.isJSON ? text : "Requested cancellation of \(workflowId)")
            }
        }
    }

    struct Terminate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a run at once; no workflow code runs.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The workflow id.") var workflowId: String
        @Option(help: runIdHelp, transform: runIdArgument) var runId: String?
        @Option(help: "Why, for the history.") var reason: String

        func run() async throws {
            try await client.withClient { api in
                let body = JSONValue.object(["reason": .string(reason)]).compactDescription
                let text = try await api.send(
                    .POST, "\(client.namespacePath)/workflows/\(segment(workflowId))/terminate\(query(runId: runId))", body: body)
                print(client.output.isJSON ? text : "Terminated \(workflowId)")
            }
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resume a Paused run: its workflow task runs again (after a fix is deployed).",
            discussion: "A run is Paused when its workflow task failed too many times; describe shows why (taskFailure).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The workflow id.") var workflowId: String
        @Option(help: runIdHelp, transform: runIdArgument) var runId: String?

        func run() async throws {
            try await client.withClient { api in
                let text = try await api.send(.POST, "\(client.namespacePath)/workflows/\(segment(workflowId))/resume\(query(runId: runId))")
                print(client.output.isJSON ? text : "Resumed \(workflowId)")
            }
        }
    }
}
