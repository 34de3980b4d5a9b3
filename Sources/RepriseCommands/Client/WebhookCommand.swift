import ArgumentParser
import Foundation
import Workflow

/// `reprise webhook`: the stored deliveries of signed webhooks, and the retry of those that could
/// not be routed (docs/webhooks.md).
struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook", abstract: "List webhook deliveries and retry the dead-lettered ones.", subcommands: [List.self, Show.self, Retry.self])

    static func path(_ client: ClientOptions, _ id: String, _ action: String = "") -> String {
        "\(client.namespacePath)/webhook-deliveries/\(segment(id))\(action.isEmpty ? "" : "/\(action)")"
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List webhook deliveries, newest first: the dead-lettered ones by default.")
        @OptionGroup var client: ClientOptions
        @Option(help: "DeadLettered, Delivered or All.") var state = "DeadLettered"
        @Option(help: "At most this many, 1 to 1000.") var limit = 100

        func run() async throws {
            let filter = state == "All" ? "" : "state=\(segment(state))&"
            try await client.withClient { api in
                let (json, text) = try await api.json(.GET, "\(client.namespacePath)/webhook-deliveries?\(filter)limit=\(limit)")
                if client.output.isJSON { return client.printJSON(text, items: json["deliveries"]) }
                Output.table(
                    ["ID", "SOURCE", "EVENT ID", "EVENT TYPE", "STATE", "WORKFLOW ID", "RECEIVED", "REASON"],
                    (json["deliveries"]?.arrayValue ?? []).map {
                        [Output.plain($0["id"]), Output.plain($0["source"]), Output.plain($0["eventId"]), Output.plain($0["eventType"]),
                         Output.plain($0["state"]), Output.plain($0["workflowId"]), Output.plain($0["receivedAt"]), Output.plain($0["reason"])]
                    })
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one webhook delivery, with its payload.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The delivery id.") var id: String

        func run() async throws {
            try await client.withClient { api in
                let (json, text) = try await api.json(.GET, WebhookCommand.path(client, id))
                if client.output.isJSON { return print(text) }
                for key in ["id", "source", "eventId", "eventType", "state", "reason", "workflowId", "runId", "attempts", "receivedAt", "handledAt"] {
                    print("\(key.padding(toLength: 11, withPad: " ", startingAt: 0))\(Output.plain(json[key]))")
                }
                print("payload    \(json["payload"]?.compactDescription ?? "-")")
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Route a dead-lettered delivery again, under the server's current mapping.",
            discussion: "Exits non-zero when it still cannot be routed, with the reason.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The delivery id.") var id: String

        func run() async throws {
            try await client.withClient { api in
                let (json, text) = try await api.json(.POST, WebhookCommand.path(client, id, "retry"))
                if client.output.isJSON { return print(text) }
                print("Delivered webhook \(id) to run \(Output.plain(json["runId"]))\(json["started"] == .bool(true) ? " (started)" : "")")
            }
        }
    }
}
