import ArgumentParser
import Foundation
import Workflow

struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule", abstract: "Create, inspect and control schedules: runs started on a calendar.",
        subcommands: [Create.self, List.self, Describe.self, Pause.self, Unpause.self, Trigger.self, Backfill.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a schedule, from options or from a definition file (the API's JSON).",
            discussion: "Example: reprise schedule create digest --interval 1m --type LeadNurture --input '{\"leadId\":\"l-1\"}'")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The schedule id; with --file, overrides the file's.") var scheduleId: String?
        @Option(help: "A file holding the whole definition as JSON (workflows/examples/schedule-lead-digest.json).") var file: String?
        @Option(help: "A cron expression (repeatable): five fields, or @daily and the like.") var cron: [String] = []
        @Option(help: "An interval: seconds, or 30s, 5m, 2h, 7d.") var interval: String?
        @Option(help: "The most each action waits after its tick (spreads load).") var jitter: String?
        @Option(help: "The IANA time zone cron expressions are read in; UTC by default.") var timezone: String?
        @Option(help: "The workflow type each tick starts.") var type: String?
        @Option(help: "The workflow input, as JSON.") var input: String?
        @Option(help: "The task queue; the server's default (main) when not given.") var taskQueue: String?
        @Option(help: "Skip (default), BufferOne, BufferAll, CancelOther, TerminateOther or AllowAll.") var overlapPolicy: String?
        @Option(help: "How late a missed tick may still start (default 1m).") var catchupWindow: String?
        @Flag(help: "Create it paused.") var paused = false
        @Option(help: "A note on the schedule.") var note: String?

        func body() throws -> (String, String) {
            var object: [String: JSONValue]
            if let file {
                guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read --file \(file)") }
                guard case .object(let fields) = try parseJSON(String(decoding: data, as: UTF8.self), option: "--file") else {
                    throw ValidationError("--file must hold a JSON object")
                }
                object = fields
                guard cron.isEmpty, interval == nil, type == nil, input == nil else {
                    throw ValidationError("give --file or the spec and action options, not both")
                }
            } else {
                guard let type else { throw ValidationError("give --type (the workflow to start), or --file") }
                guard !cron.isEmpty || interval != nil else { throw ValidationError("give --cron or --interval, or --file") }
                var spec: [String: JSONValue] = [:]
                if !cron.isEmpty { spec["cron"] = .array(cron.map(JSONValue.string)) }
                if let interval { spec["interval"] = .string(interval) }
                if let jitter { spec["jitter"] = .string(jitter) }
                if let timezone { spec["timezone"] = .string(timezone) }
                var action: [String: JSONValue] = ["type": .string(type)]
                if let input { action["input"] = try parseJSON(input, option: "--input") }
                if let taskQueue { action["taskQueue"] = .string(taskQueue) }
                object = ["spec": .object(spec), "action": .object(action)]
            }
            if let scheduleId { object["scheduleId"] = .string(scheduleId) }
            guard case .string(let id)? = object["scheduleId"] else { throw ValidationError("give the schedule id") }
            if let overlapPolicy { object["overlapPolicy"] = .string(overlapPolicy) }
            if let catchupWindow { object["catchupWindow"] = .string(catchupWindow) }
            if paused { object["paused"] = .bool(true) }
            if let note { object["note"] = .string(note) }
            return (id, JSONValue.object(object).compactDescription)
        }

        func run() async throws {
            let (id, body) = try body()
            try await client.withClient { api in
                let (json, text) = try await api.json(.POST, "\(client.namespacePath)/schedules", body: body)
                if client.output.isJSON { return print(text) }
                print("Created schedule \(id)")
                printWarnings(json)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a namespace's schedules.")
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await client.withClient { api in
                let (json, text) = try await api.json(.GET, "\(client.namespacePath)/schedules")
                if client.output.isJSON { return client.printJSON(text, items: json["schedules"]) }
                Output.table(
                    ["SCHEDULE ID", "WORKFLOW TYPE", "PAUSED", "NEXT ACTION", "ACTIONS"],
                    (json["schedules"]?.arrayValue ?? []).map {
                        [Output.plain($0["scheduleId"]), Output.plain($0["action"]?["type"]), Output.plain($0["state"]?["paused"]),
                         Output.plain($0["info"]?["nextActionTimes"]?.arrayValue.first), Output.plain($0["info"]?["actionCount"])]
                    })
            }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe a schedule: spec, state, next actions, recent actions.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The schedule id.") var scheduleId: String

        func run() async throws {
            try await client.withClient { api in
                let (json, text) = try await api.json(.GET, "\(client.namespacePath)/schedules/\(segment(scheduleId))")
                if client.output.isJSON { return print(text) }
                let info = json["info"]
                let rows: [(String, JSONValue?)] = [
                    ("scheduleId", json["scheduleId"]), ("spec", json["spec"]), ("action", json["action"]), ("overlapPolicy", json["overlapPolicy"]),
                    ("paused", json["state"]?["paused"]), ("note", json["state"]?["note"]), ("actions", info?["actionCount"]),
                    ("buffered", info?["bufferedActions"]), ("overlapSkipped", info?["overlapSkipped"]),
                    ("missedCatchup", info?["missedCatchupWindow"]),
                ]
                for (key, value) in rows {
                    let text = if case .object = value { value?.compactDescription ?? "" } else { Output.plain(value) }
                    print("\(key.padding(toLength: 16, withPad: " ", startingAt: 0))\(text)")
                }
                print("\nNext action times")
                for time in info?["nextActionTimes"]?.arrayValue ?? [] { print("  \(Output.plain(time))") }
                for (title, key) in [("Recent actions", "recentActions"), ("Running workflows", "runningWorkflows")] {
                    let actions = info?[key]?.arrayValue ?? []
                    guard !actions.isEmpty else { continue }
                    print("\n\(title)")
                    Output.table(
                        ["SCHEDULED", "STARTED", "WORKFLOW ID", "RUN ID"],
                        actions.map { action in ["scheduledTime", "actualTime", "workflowId", "runId"].map { Output.plain(action[$0]) } })
                }
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pause a schedule: no tick acts until it is unpaused.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The schedule id.") var scheduleId: String
        @Option(help: "Why.") var note: String?

        func run() async throws { try await setPaused(true, client: client, scheduleId: scheduleId, note: note) }
    }

    struct Unpause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unpause a schedule: it acts from its next tick.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The schedule id.") var scheduleId: String
        @Option(help: "Why.") var note: String?

        func run() async throws { try await setPaused(false, client: client, scheduleId: scheduleId, note: note) }
    }

    struct Trigger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Act on a schedule now, under its overlap policy.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The schedule id.") var scheduleId: String

        func run() async throws {
            try await client.withClient { api in
                let (json, text) = try await api.json(.POST, "\(client.namespacePath)/schedules/\(segment(scheduleId))/trigger")
                if client.output.isJSON { return print(text) }
                printActed(json)
            }
        }
    }

    struct Backfill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Act now on every tick in a time range (at most 1,000 ticks).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The schedule id.") var scheduleId: String
        @Option(help: "The range's start, RFC 3339 (2026-01-01T00:00:00Z).") var startTime: String
        @Option(help: "The range's end, RFC 3339, inclusive.") var endTime: String
        @Option(help: "The overlap policy for these ticks; the schedule's by default.") var overlapPolicy: String?

        func run() async throws {
            var object: [String: JSONValue] = ["startTime": .string(startTime), "endTime": .string(endTime)]
            if let overlapPolicy { object["overlapPolicy"] = .string(overlapPolicy) }
            try await client.withClient { api in
                let (json, text) = try await api.json(
                    .POST, "\(client.namespacePath)/schedules/\(segment(scheduleId))/backfill", body: JSONValue.object(object).compactDescription)
                if client.output.isJSON { return print(text) }
                printActed(json)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a schedule; its runs go on.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The schedule id.") var scheduleId: String

        func run() async throws {
            try await client.withClient { api in
                let text = try await api.send(.DELETE, "\(client.namespacePath)/schedules/\(segment(scheduleId))")
                print(client.output.isJSON ? text : "Deleted schedule \(scheduleId)")
            }
        }
    }
}

private func setPaused(_ paused: Bool, client: ClientOptions, scheduleId: String, note: String?) async throws {
    let body = note.map { JSONValue.object(["note": .string($0)]).compactDescription }
    try await client.withClient { api in
        let text = try await api.send(.POST, "\(client.namespacePath)/schedules/\(segment(scheduleId))/\(paused ? "pause" : "unpause")", body: body)
        print(client.output.isJSON ? text : "\(paused ? "Paused" : "Unpaused") schedule \(scheduleId)")
    }
}

/// What a trigger or backfill did, for people.
private func printActed(_ json: JSONValue) {
    for started in json["started"]?.arrayValue ?? [] {
        print("Started workflow \(Output.plain(started["workflowId"])) run \(Output.plain(started["runId"]))")
    }
    print("started \(json["started"]?.arrayValue.count ?? 0), buffered \(Output.plain(json["buffered"])), skipped \(Output.plain(json["skipped"]))")
}
