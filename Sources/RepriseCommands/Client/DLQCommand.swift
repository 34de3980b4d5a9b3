import ArgumentParser
import Foundation
import Workflow

struct DLQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq", abstract: "Work the dead-letter queue.",
        subcommands: [List.self, Show.self, Retry.self, Fail.self, Resolve.self])

    static func path(_ client: ClientOptions, _ id: String, _ action: String = "") -> String {
        "\(client.namespacePath)/dead-letters/\(segment(id))\(action.isEmpty ? "" : "/\(action)")"
    }

    /// Posts an operator action and prints the letter as it now stands.
    static func act(_ action: String, on id: String, body: [String: JSONValue], client: ClientOptions) async throws {
        try await client.withClient { api in
            let (json, text) = try await api.json(.POST, path(client, id, action), body: JSONValue.object(body).compactDescription)
            printLetter(json, text: text, client: client)
        }
    }

    static func printLetter(_ json: JSONValue, text: String, client: ClientOptions) {
        if client.output.isJSON { return print(text) }
        for key in ["id", "state", "workflowId", "runId", "activityId", "activityType", "attempts", "deadAt", "handledAt"] {
            print("\(key.padding(toLength: 13, withPad: " ", startingAt: 0))\(Output.plain(json[key]))")
        }
        print("lastFailure  \(Output.plain(json["lastFailure"]?["type"])): \(Output.plain(json["lastFailure"]?["message"]))")
        print("input        \(json["input"]?.compactDescription ?? "-")")
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dead letters waiting for an operator.")
        @OptionGroup var client: ClientOptions
        @Option(help: "Pending, Retried, Failed, Resolved or All.") var state = "Pending"

        func run() async throws {
            try await client.withClient { api in
                let (json, text) = try await api.json(.GET, "\(client.namespacePath)/dead-letters?state=\(segment(state))")
                if client.output.isJSON { return client.printJSON(text, items: json["deadLetters"]) }
                Output.table(
                    ["ID", "WORKFLOW ID", "ACTIVITY", "ATTEMPTS", "DEAD AT", "LAST FAILURE"],
                    (json["deadLetters"]?.arrayValue ?? []).map {
                        [Output.plain($0["id"]), Output.plain($0["workflowId"]), Output.plain($0["activityType"]), Output.plain($0["attempts"]),
                         Output.plain($0["deadAt"]), "\(Output.plain($0["lastFailure"]?["type"])): \(Output.plain($0["lastFailure"]?["message"]))"]
                    })
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one dead letter.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The dead letter id.") var id: String

        func run() async throws {
            try await client.withClient { api in
                let (json, text) = try await api.json(.GET, DLQCommand.path(client, id))
                DLQCommand.printLetter(json, text: text, client: client)
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Retry with fresh attempts, optionally with new input.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The dead letter id.") var id: String
        @Option(help: "New input, as JSON.") var input: String?

        func run() async throws {
            var body: [String: JSONValue] = [:]
            if let input { body["input"] = try parseJSON(input, option: "--input") }
            try await DLQCommand.act("retry", on: id, body: body, client: client)
        }
    }

    struct Fail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fail the activity into its workflow, which may compensate.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The dead letter id.") var id: String
        @Option(help: "The failure message the workflow sees.") var message: String?

        func run() async throws {
            var body: [String: JSONValue] = [:]
            if let message { body["message"] = .string(message) }
            try await DLQCommand.act("fail", on: id, body: body, client: client)
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Complete the activity with a result given by hand.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The dead letter id.") var id: String
        @Option(help: "The result, as JSON.") var result: String

        func run() async throws {
            try await DLQCommand.act("resolve", on: id, body: ["result": try parseJSON(result, option: "--result")], client: client)
        }
    }
}
