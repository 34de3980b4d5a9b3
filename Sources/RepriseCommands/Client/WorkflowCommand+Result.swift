import ArgumentParser
import Foundation
import Workflow

/// A run's outcome: waiting for it, and printing it.
extension WorkflowCommand {
    struct ResultCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "result", abstract: "Wait for a run to close, then print its result.",
            discussion: """
                Prints the result as JSON (with -o json, the run's description). Exits non-zero with the failure unless the run \
                completed. A run that continued as new hands over: this waits for the last run of its chain.
                """)
        @OptionGroup var client: ClientOptions
        @Argument(help: "The workflow id.") var workflowId: String
        @Option(help: runIdHelp, transform: runIdArgument) var runId: String?

        func run() async throws {
            try await client.withClient { api in
                var current = try await runIdOf(api, client: client, workflowId: workflowId, runId: runId)
                while let next = try await awaitClose(api, client: client, workflowId: workflowId, runId: current) {
                    current = next
                }
                let (json, text) = try await api.json(.GET, "\(client.namespacePath)/workflows/\(segment(workflowId))?runId=\(current)")
                let status = Output.plain(json["status"])
                if client.output.isJSON {
                    print(text)
                } else if status == "Completed" {
                    print(json["result"]?.compactDescription ?? "null")
                }
                guard status == "Completed" else {
                    let failure = json["failure"].flatMap { $0 == .null ? nil : ": \(Output.plain($0["type"])): \(Output.plain($0["message"]))" }
                    throw CLIError(message: "workflow \(workflowId) run \(current) ended \(status)\(failure ?? "")")
                }
            }
        }
    }

    /// Waits, with the close-event long-poll, until a run closes. A `Paused` run is waited for too
    /// (an operator may resume it), with a warning on stderr.
    ///
    /// - Returns: the run that continued it when it closed `ContinuedAsNew`, else nil.
    static func awaitClose(_ api: APIClient, client: ClientOptions, workflowId: String, runId: String) async throws -> String? {
        var warned = false
        while true {
            if !warned {
                let (described, _) = try await api.json(.GET, "\(client.namespacePath)/workflows/\(segment(workflowId))?runId=\(runId)")
                if Output.plain(described["status"]) == "Paused" {
                    warned = true
                    let reason = Output.plain(described["taskFailure"]?["failure"]?["message"])
                    FileHandle.standardError.write(Data("warning: run \(runId) is Paused (\(reason)); waiting for `reprise workflow resume` and its close\n".utf8))
                }
            }
            let path = "\(client.namespacePath)/workflows/\(segment(workflowId))/history?runId=\(runId)&filter=close&wait=true"
            let (json, _) = try await api.json(.GET, path, timeout: .seconds(90))
            guard let close = json["events"]?.arrayValue.last else { continue }
            guard Output.plain(close["eventType"]) == "WorkflowExecutionContinuedAsNew" else { return nil }
            return close["attributes"]?["newExecutionRunId"].map(Output.plain)
        }
    }

    /// Prints the result block; throws (a non-zero exit) unless the run completed.
    static func printOutcome(_ api: APIClient, client: ClientOptions, workflowId: String, runId: String, failOnError: Bool = true) async throws {
        let (json, text) = try await api.json(.GET, "\(client.namespacePath)/workflows/\(segment(workflowId))?runId=\(runId)")
        let status = Output.plain(json["status"])
        if client.output.isJSON { print(text) } else {
            print("\nResult")
            print("  status  \(Output.status(status))")
            if let result = json["result"], result != .null { print("  result  \(result.compactDescription)") }
            if let failure = json["failure"], failure != .null {
                print("  failure \(Output.plain(failure["type"])): \(Output.plain(failure["message"]))")
            }
            if let next = json["newExecutionRunId"], next != .null { print("  continued as run \(Output.plain(next))") }
        }
        if failOnError && status != "Completed" {
            throw CLIError(message: "workflow \(workflowId) ended \(status)")
        }
    }
}
