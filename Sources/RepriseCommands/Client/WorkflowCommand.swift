import ArgumentParser
import Foundation
import Workflow

struct WorkflowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflow", abstract: "Start, inspect and control workflow runs.",
        subcommands: [Start.self, Execute.self, Describe.self, Show.self, List.self, Signal.self, Cancel.self, Terminate.self])

    /// The start options shared by `start` and `execute`.
    struct StartOptions: ParsableArguments {
        @Option(help: "The workflow type.")
        var type: String

        @Option(help: "The workflow id; a new UUID by default.")
        var workflowId: String?

        @Option(help: "The input, as JSON.")
        var input: String?

        @Option(help: "A file holding the input JSON.")
        var inputFile: String?

        @Option(help: "The task queue; the server's default (main) when not given.")
        var taskQueue: String?

        @Option(help: "A request id: repeating the start with it answers the first start's run, never a second run.")
        var requestId: String?

        func body() throws -> (String, String) {
            let id = workflowId ?? UUID().uuidString.lowercased()
            var object: [String: JSONValue] = ["workflowId": .string(id), "type": .string(type)]
            if let taskQueue { object["taskQueue"] = .string(taskQueue) }
            if let requestId { object["requestId"] = .string(requestId) }
            if input != nil && inputFile != nil { throw ValidationError("give --input or --input-file, not both") }
            if let input { object["input"] = try parseJSON(input, option: "--input") }
            if let inputFile {
                guard let data = FileManager.default.contents(atPath: inputFile) else {
                    throw ValidationError("cannot read --input-file \(inputFile)")
                }
                object["input"] = try parseJSON(String(decoding: data, as: UTF8.self), option: "--input-file")
            }
            return (id, JSONValue.object(object).compactDescription)
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a workflow run.")
        @OptionGroup var client: ClientOptions
        @OptionGroup var start: StartOptions

        func run() async throws {
            let (_, body) = try start.body()
            try await client.withClient { api in
                let (json, text) = try await api.json(.POST, "\(client.namespacePath)/workflows", body: body)
                if client.output == .json { return print(text) }
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
                    try await follow(api, client: client, workflowId: id, runId: runId, printEvents: client.output == .text)
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
        @Option(help: "A run id; the open or latest run by default.") var runId: String?

        func run() async throws {
            try await client.withClient { api in
                let query = runId.map { "?runId=\(segment($0))" } ?? ""
                let (json, text) = try await api.json(.GET, "\(client.namespacePath)/workflows/\(segment(workflowId))\(query)")
                if client.output == .json { return print(text) }
                for key in ["workflowId", "runId", "type", "taskQueue", "status", "startTime", "closeTime", "historyLength"] {
                    print("\(key.padding(toLength: 14, withPad: " ", startingAt: 0))\(Output.plain(json[key]))")
                }
                for key in ["input", "result", "failure", "taskFailure"] where json[key] != nil && json[key] != .null {
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
        @Option(help: "A run id; the open or latest run by default.") var runId: String?
        @Flag(name: [.short, .customLong("follow")], help: "Follow a live run until it closes.") var follow = false

        func run() async throws {
            try await client.withClient { api in
                let resolvedRunId = try await runIdOf(api, client: client, workflowId: workflowId, runId: runId)
                let events = try await history(api, client: client, workflowId: workflowId, runId: resolvedRunId)
                if client.output == .json {
                    print(JSONValue.object(["events": .array(events)]).compactDescription)
                    if !follow { return }
                } else {
                    Output.events(events, header: true)
                }
                if follow {
                    try await WorkflowCommand.follow(
                        api, client: client, workflowId: workflowId, runId: resolvedRunId, printEvents: true,
                        after: Int64(Output.plain(events.last?["eventId"])) ?? 0, header: false)
                }
                if client.output == .text {
                    try await printOutcome(api, client: client, workflowId: workflowId, runId: resolvedRunId, failOnError: false)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List runs, newest first.")
        @OptionGroup var client: ClientOptions
        @Option(help: "Running, Completed, Failed, Canceled, Terminated, TimedOut, ContinuedAsNew or Paused.") var status: String?
        @Option(help: "A workflow type.") var type: String?
        @Option(help: "A list filter, as in Temporal: WorkflowType = 'LeadNurture' AND (stage = 'qualified' OR ExecutionStatus = 'Failed').")
        var query: String?
        @Option(help: "At most this many.") var limit = 100

        func run() async throws {
            try await client.withClient { api in
                var query = ["limit=\(limit)"]
                if let status { query.append("status=\(segment(status))") }
                if let type { query.append("type=\(segment(type))") }
                if let filter = self.query { query.append("query=\(segment(filter))") }
                let (json, text) = try await api.json(.GET, "\(client.namespacePath)/workflows?\(query.joined(separator: "&"))")
                if client.output == .json { return print(text) }
                Output.table(
                    ["WORKFLOW ID", "RUN ID", "TYPE", "STATUS", "STARTED", "CLOSED"],
                    (json["workflows"]?.arrayValue ?? []).map {
                        [Output.plain($0["workflowId"]), Output.plain($0["runId"]), Output.plain($0["type"]), Output.plain($0["status"]),
                         Output.plain($0["startTime"]), Output.plain($0["closeTime"])]
                    })
            }
        }
    }

    struct Signal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a signal to a run.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The workflow id.") var workflowId: String
        @Option(help: "The signal name.") var name: String
        @Option(help: "The payload, as JSON.") var input: String?
        @Option(help: "A request id: repeating the signal with it delivers it once.") var requestId: String?

        func run() async throws {
            let payload = try input.map { try parseJSON($0, option: "--input").compactDescription } ?? "null"
            let query = requestId.map { "?requestId=\(segment($0))" } ?? ""
            try await client.withClient { api in
                let text = try await api.send(
                    .POST, "\(client.namespacePath)/workflows/\(segment(workflowId))/signals/\(segment(name))\(query)", body: payload)
                print(client.output == .json ? text : "Signaled \(workflowId) with \(name)")
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ask a run to cancel; it may compensate first.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The workflow id.") var workflowId: String

        func run() async throws {
            try await client.withClient { api in
                let text = try await api.send(.POST, "\(client.namespacePath)/workflows/\(segment(workflowId))/cancel")
                print(client.output == .json ? text : "Requested cancellation of \(workflowId)")
            }
        }
    }

    struct Terminate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a run at once; no workflow code runs.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The workflow id.") var workflowId: String
        @Option(help: "Why, for the history.") var reason: String

        func run() async throws {
            try await client.withClient { api in
                let body = JSONValue.object(["reason": .string(reason)]).compactDescription
                let text = try await api.send(.POST, "\(client.namespacePath)/workflows/\(segment(workflowId))/terminate", body: body)
                print(client.output == .json ? text : "Terminated \(workflowId)")
            }
        }
    }

    /// Streams events with the history long-poll until the run closes.
    static func follow(
        _ api: APIClient, client: ClientOptions, workflowId: String, runId: String, printEvents: Bool, after: Int64 = 0, header: Bool = true
    ) async throws {
        var after = after
        var printedHeader = !header
        while true {
            let path = "\(client.namespacePath)/workflows/\(segment(workflowId))/history?runId=\(runId)&wait=true&afterEventId=\(after)"
            let (json, _) = try await api.json(.GET, path, timeout: .seconds(90))
            let events = json["events"]?.arrayValue ?? []
            if printEvents && !events.isEmpty {
                if client.output == .json {
                    for event in events { print(event.compactDescription) }
                } else {
                    Output.events(events, header: !printedHeader)
                    printedHeader = true
                }
            }
            if let last = events.last { after = Int64(Output.plain(last["eventId"])) ?? after }
            let closing = ["WorkflowExecutionCompleted", "WorkflowExecutionFailed", "WorkflowExecutionCanceled",
                           "WorkflowExecutionTerminated", "WorkflowExecutionTimedOut", "WorkflowExecutionContinuedAsNew"]
            if events.contains(where: { closing.contains(Output.plain($0["eventType"])) }) { return }
            if events.isEmpty {
                // The long-poll returns at once for a closed run, and after its timeout for a quiet one.
                let (described, _) = try await api.json(.GET, "\(client.namespacePath)/workflows/\(segment(workflowId))?runId=\(runId)")
                switch Output.plain(described["status"]) {
                case "Running": continue
                case "Paused": throw CLIError(message: "run \(runId) is Paused: \(described["taskFailure"]?.compactDescription ?? "")")
                default: return
                }
            }
        }
    }

    /// A run's whole history, page by page.
    static func history(_ api: APIClient, client: ClientOptions, workflowId: String, runId: String) async throws -> [JSONValue] {
        var events: [JSONValue] = []
        var token: String?
        repeat {
            let page = token.map { "&pageToken=\(segment($0))" } ?? ""
            let (json, _) = try await api.json(
                .GET, "\(client.namespacePath)/workflows/\(segment(workflowId))/history?runId=\(segment(runId))\(page)")
            events += json["events"]?.arrayValue ?? []
            token = json["nextPageToken"].map(Output.plain)
        } while token != nil
        return events
    }

    static func runIdOf(_ api: APIClient, client: ClientOptions, workflowId: String, runId: String?) async throws -> String {
        if let runId { return runId }
        let (json, _) = try await api.json(.GET, "\(client.namespacePath)/workflows/\(segment(workflowId))")
        return Output.plain(json["runId"])
    }

    /// Prints the result block; throws (a non-zero exit) unless the run completed.
    static func printOutcome(_ api: APIClient, client: ClientOptions, workflowId: String, runId: String, failOnError: Bool = true) async throws {
        let (json, text) = try await api.json(.GET, "\(client.namespacePath)/workflows/\(segment(workflowId))?runId=\(runId)")
        let status = Output.plain(json["status"])
        if client.output == .json { print(text) } else {
            print("\nResult")
            print("  status  \(Output.colored(status, status == "Completed" ? "32" : (status == "Running" ? "33" : "31")))")
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
