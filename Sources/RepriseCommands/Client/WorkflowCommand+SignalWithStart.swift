import ArgumentParser
import Foundation
import Store
import Workflow

extension WorkflowCommand {
    struct SignalWithStart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "signal-with-start", abstract: "Signal a workflow's open run, or start one whose first event is the signal.",
            discussion: "As Temporal's: racing callers get one run between them, and each signal is delivered once.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The workflow id.") var workflowId: String
        @Option(help: "The workflow type, for a start.") var type: String
        @Option(help: "The signal name.") var name: String
        @Option(help: "The signal's payload, as JSON.") var signalInput: String?
        @Option(help: "A file holding the signal's payload JSON.") var signalInputFile: String?
        @Option(help: "The input of a started run, as JSON.") var input: String?
        @Option(help: "A file holding the input JSON.") var inputFile: String?
        @Option(help: "The task queue; the server's default (main) when not given.") var taskQueue: String?
        @Option(help: "A request id: repeating the call with it delivers the signal once.") var requestId: String?
        @Option(help: "When a closed run has this id: AllowDuplicate (default), AllowDuplicateFailedOnly or RejectDuplicate.")
        var idReusePolicy: WorkflowIdReusePolicy?
        @Option(help: "How long a started run may take: seconds, or 30s, 5m, 2h, 7d.", transform: StartOptions.duration)
        var executionTimeout: Double?
        @Option(help: "A memo for a started run: a JSON object.", transform: StartOptions.memo) var memo: JSONValue?

        func run() async throws {
            var body: [String: JSONValue] = ["type": .string(type), "signalName": .string(name)]
            body["signalInput"] = try jsonOption(signalInput, file: signalInputFile, name: "--signal-input")
            body["input"] = try jsonOption(input, file: inputFile, name: "--input")
            if let taskQueue { body["taskQueue"] = .string(taskQueue) }
            if let requestId { body["requestId"] = .string(requestId) }
            if let idReusePolicy { body["idReusePolicy"] = .string(idReusePolicy.rawValue) }
            if let executionTimeout { body["executionTimeout"] = .double(executionTimeout) }
            if let memo { body["memo"] = memo }
            try await client.withClient { api in
                let (json, text) = try await api.json(
                    .POST, "\(client.namespacePath)/workflows/\(segment(workflowId))/signal-with-start", body: JSONValue.object(body).compactDescription)
                if client.output.isJSON { return print(text) }
                let verb = json["started"] == .bool(true) ? "Started" : "Signaled"
                print("\(verb) workflow \(workflowId) run \(Output.plain(json["runId"])) with \(name)")
                printWarnings(json)
            }
        }
    }
}
