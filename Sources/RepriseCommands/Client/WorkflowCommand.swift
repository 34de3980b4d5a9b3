import ArgumentParser
import Foundation
import Workflow

struct WorkflowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflow", abstract: "Start, inspect and control workflow runs.",
        subcommands: [
            Start.self, Execute.self, ResultCommand.self, Describe.self, Show.self, List.self, Signal.self, SignalWithStart.self, Query.self,
            Update.self, Cancel.self, Terminate.self, Resume.self,
        ])

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a workflow run.")
        @OptionGroup var client: ClientOptions
        @OptionGroup var start: StartOptions

        func run() async throws {
            let (_, body) = try start.body()
            try await client.withClient { api in
                let (json, text) = try await api.json(.POST, "\(client.namespacePath)/workflows", body: body)
                if client.output.isJSON { return print(text) }
                print("Started workflow \(Output.plain(json["workflowId"])) run \(Output.plain(json["runId"]))")
                printWarnings(json)
            }
        }
    }

    struct Execute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a workflow run, stream its events until it closes, and print the result.",
            discussion: "Exits non-zero unless the run completes.")
        @OptionGroup var client: ClientOptions
        @OptionGroup var start: StartOptions

        func run() async throws {
            let (id, body) = try start.body()
            try await client.withClient { api in
                let (started, _) = try await api.json(.POST, "\(client.namespacePath)/workflows", body: body)
                var runId = Output.plain(started["runId"])
                if client.output == .text { print("Started workflow \(id) run \(runId)") }
                printWarnings(started)
                // A run that continues as new hands over to its successor: follow the chain to its end.
                while true {
                    try await follow(api, client: client, workflowId: id, runId: runId, printEvents: client.output == .text, progress: true)
                    let (described, _) = try await api.json(.GET, "\(client.namespacePath)/workflows/\(segment(id))?runId=\(runId)")
                    guard let next = described["newExecutionRunId"], next != .null else { break }
                    runId = Output.plain(next)
                    if client.output == .text { print("\nContinued as new: run \(runId)") }
                }
                try await printOutcome(api, client: client, workflowId: id, runId: runId)
            }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe a run: status, result, pending activities, timers and children.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The workflow id.") var workflowId: String
        @Option(help: runIdHelp, transform: runIdArgument) var runId: String?

        func run() async throws {
            try await client.withClient { api in
                let query = runId.map { "?runId=\(segment($0))" } ?? ""
                let (json, text) = try await api.json(.GET, "\(client.namespacePath)/workflows/\(segment(workflowId))\(query)")
                if client.output.isJSON { return print(text) }
                for key in ["workflowId", "runId", "type", "taskQueue", "status", "startTime", "closeTime", "historyLength"] {
                    let value = Output.plain(json[key])
                    print("\(key.padding(toLength: 14, withPad: " ", startingAt: 0))\(key == "status" ? Output.status(value) : value)")
                }
                for key in ["input", "result", "failure", "taskFailure", "memo", "searchAttributes"] where json[key] != nil && json[key] != .null {
                    print("\(key.padding(toLength: 14, withPad: " ", startingAt: 0))\(json[key]!.compactDescription)")
                }
                // The links of a chain of continue-as-new runs.
                for (key, label) in [("continuedExecutionRunId", "continuedFrom"), ("newExecutionRunId", "continuedAs")]
                where json[key] != nil && json[key] != .null {
                    print("\(label.padding(toLength: 14, withPad: " ", startingAt: 0))\(Output.plain(json[key]))")
                }
                printWarnings(json)
                let activities = json["pendingActivities"]?.arrayValue ?? []
                if !activities.isEmpty {
                    print("\nPending activities")
                    Output.table(
                        ["ID", "TYPE", "STATE", "ATTEMPT", "LAST FAILURE", "HEARTBEAT"],
                        activities.map {
                            [Output.plain($0["activityId"]), Output.plain($0["type"]), Output.plain($0["state"]), Output.plain($0["attempt"]),
                             Output.plain($0["lastFailure"]?["message"]), Output.plain($0["heartbeatDetails"])]
                        })
                }
                let timers = json["pendingTimers"]?.arrayValue ?? []
                if !timers.isEmpty {
                    print("\nPending timers")
                    Output.table(["ID", "FIRES AT"], timers.map { [Output.plain($0["timerId"]), Output.plain($0["fireAt"])] })
                }
                let children = json["pendingChildren"]?.arrayValue ?? []
                if !children.isEmpty {
                    print("\nPending children")
                    Output.table(
                        ["WORKFLOW ID", "RUN ID", "TYPE", "INITIATED", "PARENT CLOSE POLICY"],
                        children.map {
                            [Output.plain($0["workflowId"]), Output.plain($0["runId"]), Output.plain($0["type"]),
                             Output.plain($0["initiatedEventId"]), Output.plain($0["parentClosePolicy"])]
                        })
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a run's history as a table, then its result.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The workflow id.") var workflowId: String
        @Option(help: runIdHelp, transform: runIdArgument) var runId: String?
        @Flag(name: [.short, .customLong("follow")], help: "Follow a live run until it closes.") var follow = false

        func run() async throws {
            try await client.withClient { api in
                let resolvedRunId = try await runIdOf(api, client: client, workflowId: workflowId, runId: runId)
                let events = try await history(api, client: client, workflowId: workflowId, runId: resolvedRunId)
                if client.output == .jsonl {
                    Output.jsonLines(.array(events))
                    if !follow { return }
                } else if client.output.isJSON {
                    print(JSONValue.object(["events": .array(events)]).compactDescription)
                    if !follow { return }
                } else {
                    Output.events(events, header: true)
                }
                if follow {
                    try await WorkflowCommand.follow(
                        api, client: client, workflowId: workflowId, runId: resolvedRunId, printEvents: true,
                        after: Int64(Output.plain(events.last?["eventId"])) ?? 0, header: false, progress: true)
                }
                if client.output == .text {
                    try await printOutcome(api, client: client, workflowId: workflowId, runId: resolvedRunId, failOnError: false)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List runs, newest first.", discussion: "Fetches page after page (nextPageToken) until --limit runs or the last page.")
        @OptionGroup var client: ClientOptions
        @Option(help: "Running, Completed, Failed, Canceled, Terminated, TimedOut, ContinuedAsNew or Paused.") var status: String?
        @Option(help: "A workflow type.") var type: String?
        @Option(help: "A list filter, as in Temporal: WorkflowType = 'LeadNurture' AND (stage = 'qualified' OR ExecutionStatus = 'Failed').")
        var query: String?
        @Option(help: "At most this many runs in all.") var limit = 100
        @Option(help: "Runs per request, 1 to 1000; the smaller of --limit and 1000 by default.") var pageSize: Int?

        func validate() throws {
            guard limit >= 1 else { throw ValidationError("--limit must be at least 1, got \(limit)") }
            if let pageSize, !(1...1000).contains(pageSize) { throw ValidationError("--page-size must be from 1 to 1000, got \(pageSize)") }
        }

        func run() async throws {
            try await client.withClient { api in
                var filters: [String] = []
                if let status { filters.append("status=\(segment(status))") }
                if let type { filters.append("type=\(segment(type))") }
                if let query { filters.append("query=\(segment(query))") }
                let (runs, next) = try await WorkflowCommand.pages(
                    api, path: "\(client.namespacePath)/workflows", filters: filters, key: "workflows", limit: limit, pageSize: pageSize)
                if client.output.isJSON {
                    let text = JSONValue.object(["workflows": .array(runs), "nextPageToken": next.map(JSONValue.string) ?? .null]).compactDescription
                    return client.printJSON(text, items: .array(runs))
                }
                Output.table(
                    ["WORKFLOW ID", "RUN ID", "TYPE", "STATUS", "STARTED", "CLOSED"],
                    runs.map {
                        [Output.plain($0["workflowId"]), Output.plain($0["runId"]), Output.plain($0["type"]), Output.plain($0["status"]),
                         Output.plain($0["startTime"]), Output.plain($0["closeTime"])]
                    }, statusColumn: 3)
            }
        }
    }
}
