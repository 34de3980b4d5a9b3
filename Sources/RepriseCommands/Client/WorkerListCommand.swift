import ArgumentParser
import Foundation
import Workflow

/// `reprise worker list`: the namespace's live workers, from `GET …/workers` (docs/workers.md).
struct WorkerListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the live workers of a namespace: identity, task queue, types, build, last heartbeat.")
    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await client.withClient { api in
            let (json, text) = try await api.json(.GET, "\(client.namespacePath)/workers")
            if client.output.isJSON { return client.printJSON(text, items: json["workers"]) }
            let workers = json["workers"]?.arrayValue ?? []
            guard !workers.isEmpty else { return print("No live worker in namespace \(client.namespace)") }
            Output.table(
                ["IDENTITY", "TASK QUEUE", "WORKFLOW TYPES", "ACTIVITY TYPES", "BUILD", "LAST SEEN"],
                workers.map {
                    [
                        Output.plain($0["identity"]), Output.plain($0["taskQueue"]), Self.names($0["workflowTypes"]),
                        Self.names($0["activityTypes"]), Output.plain($0["build"]), Output.plain($0["lastSeen"]),
                    ]
                })
        }
    }

    /// A list of type names as one cell.
    static func names(_ value: JSONValue?) -> String {
        let names = (value?.arrayValue ?? []).map { Output.plain($0) }
        return names.isEmpty ? "-" : names.joined(separator: ",")
    }
}

/// Prints a start's or a description's warnings (a type no live worker serves, a history near its
/// limit) to standard error, so that text output stays what scripts read.
func printWarnings(_ json: JSONValue) {
    for warning in json["warnings"]?.arrayValue ?? [] {
        FileHandle.standardError.write(Data("warning: \(Output.plain(warning))\n".utf8))
    }
}
