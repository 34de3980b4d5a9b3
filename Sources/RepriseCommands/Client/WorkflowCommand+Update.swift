import ArgumentParser
import Foundation
import Workflow

extension WorkflowCommand {
    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a run an update and print its outcome.",
            discussion: """
                The workflow's validator may reject the update (nothing is recorded); an accepted update runs its \
                handler and records the outcome in history. Exits non-zero when the update was rejected or failed. \
                Example: reprise workflow update lead-42 approveOutreach --input '{"approver":"ada"}'
                """)

        enum Stage: String, ExpressibleByArgument, CaseIterable {
            case accepted, completed
        }

        @OptionGroup var client: ClientOptions
        @Argument(help: "The workflow id.") var workflowId: String
        @Argument(help: "The update name (or --name).") var updateName: String?
        @Option(help: "The update name.") var name: String?
        @Option(help: runIdHelp, transform: runIdArgument) var runId: String?
        @Option(help: "The arguments, as JSON.") var input: String?
        @Option(help: "A file holding the arguments' JSON.") var inputFile: String?
        @Option(help: "An update id: sending the update again with it answers the first outcome and runs nothing.") var updateId: String?
        @Option(help: "Wait until the update is accepted, or until its handler completes (the default).") var waitForStage: Stage?

        func validate() throws {
            switch (updateName, name) {
            case (nil, nil): throw ValidationError("give the update name, as an argument or --name")
            case (let given?, let option?) where given != option: throw ValidationError("the update name is given twice: \(given) and --name \(option)")
            default: break
            }
        }

        func run() async throws {
            let name = updateName ?? name ?? ""
            var body: [String: JSONValue] = ["args": try WorkflowCommand.payload(input: input, inputFile: inputFile)]
            if let updateId { body["updateId"] = .string(updateId) }
            if let waitForStage { body["waitForStage"] = .string(waitForStage.rawValue) }
            try await client.withClient { api in
                let (json, text) = try await api.json(
                    .POST, "\(client.namespacePath)/workflows/\(segment(workflowId))/updates/\(segment(name))\(query(runId: runId))",
                    body: JSONValue.object(body).compactDescription)
                let failure = json["failure"].flatMap { $0 == .null ? nil : $0 }
                if client.output.isJSON {
                    print(text)
                } else if let failure {
                    print("Update \(Output.plain(json["updateId"])) failed: \(Output.plain(failure["type"])): \(Output.plain(failure["message"]))")
                } else if json["stage"] == .string("accepted") {
                    print("Update \(Output.plain(json["updateId"])) accepted")
                } else {
                    print((json["result"] ?? .null).compactDescription)
                }
                if failure != nil { throw ExitCode(1) }
            }
        }
    }
}
