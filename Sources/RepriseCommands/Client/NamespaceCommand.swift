import ArgumentParser
import Foundation
import Workflow

struct NamespaceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "namespace", abstract: "Create and list namespaces (admin).", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a namespace.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The name.") var name: String
        @Option(help: "Days closed runs are kept.") var retentionDays = 7

        func run() async throws {
            let body = JSONValue.object(["name": .string(name), "retentionDays": .int(Int64(retentionDays))]).compactDescription
            try await client.withClient { api in
                let text = try await api.send(.POST, "/api/v1/namespaces", body: body)
                print(client.output.isJSON ? text : "Created namespace \(name) (retention \(retentionDays) days)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List namespaces.")
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await client.withClient { api in
                let (json, text) = try await api.json(.GET, "/api/v1/namespaces")
                if client.output.isJSON { return client.printJSON(text, items: json["namespaces"]) }
                Output.table(
                    ["NAME", "RETENTION DAYS"],
                    (json["namespaces"]?.arrayValue ?? []).map { [Output.plain($0["name"]), Output.plain($0["retentionDays"])] })
            }
        }
    }
}
