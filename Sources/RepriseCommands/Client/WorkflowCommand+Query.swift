import ArgumentParser
import Foundation
import Workflow

extension WorkflowCommand {
    struct Query: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask a run a query and print the answer.",
            discussion: """
                A worker of the run's task queue answers from the run's state, without changing it. \
                Example: reprise workflow query lead-42 state
                """)
        @OptionGroup var client: ClientOptions
        @Argument(help: "The workflow id.") var workflowId: String
        @Argument(help: "The query name (or --name).") var queryName: String?
        @Option(help: "The query name.") var name: String?
        @Option(help: runIdHelp, transform: runIdArgument) var runId: String?
        @Option(help: "The arguments, as JSON.") var input: String?
        @Option(help: "A file holding the arguments' JSON.") var inputFile: String?

        func validate() throws {
            switch (queryName, name) {
            case (nil, nil): throw ValidationError("give the query name, as an argument or --name")
            case (let given?, let option?) where given != option: throw ValidationError("the query name is given twice: \(given) and --name \(option)")
            default: break
            }
        }

        func run() async throws {
            let name = queryName ?? name ?? ""
            let args = try WorkflowCommand.payload(input: input, inputFile: inputFile)
            try await client.withClient { api in
                let (json, text) = try await api.json(
                    .POST, "\(client.namespacePath)/workflows/\(segment(workflowId))/queries/\(segment(name))\(query(runId: runId))",
                    body: args.compactDescription)
                print(client.output.isJSON ? text : (json["result"] ?? .null).compactDescription)
            }
        }
    }

    /// A request's JSON payload from `--input` or `--input-file` (not both); `null` when neither.
    static func payload(input: String?, inputFile: String?) throws -> JSONValue {
        try jsonOption(input, file: inputFile, name: "--input") ?? .null
    }
}
