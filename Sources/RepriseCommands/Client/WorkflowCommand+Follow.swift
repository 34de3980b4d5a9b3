import ArgumentParser
import Foundation
import Workflow

/// Reading runs: following a live history, a whole history, and pages of a list.
extension WorkflowCommand {
    static let closingEvents: Set<String> = [
        "WorkflowExecutionCompleted", "WorkflowExecutionFailed", "WorkflowExecutionCanceled",
        "WorkflowExecutionTerminated", "WorkflowExecutionTimedOut", "WorkflowExecutionContinuedAsNew",
    ]

    /// Streams events with the history long-poll until the run closes. With `progress`, text
    /// output and a terminal on stdout, a line under the table shows the heartbeat `percent` of
    /// the run's activities, redrawn in place.
    static func follow(
        _ api: APIClient, client: ClientOptions, workflowId: String, runId: String, printEvents: Bool, after: Int64 = 0, header: Bool = true,
        progress: Bool = false
    ) async throws {
        let line = ProgressLine()
        try await withThrowingTaskGroup(of: Void.self) { group in
            if progress && printEvents && client.output == .text && Output.isTerminal {
                group.addTask { await watchProgress(api, client: client, workflowId: workflowId, runId: runId, line: line) }
            }
            var failure: (any Error)?
            do {
                try await streamEvents(api, client: client, workflowId: workflowId, runId: runId, printEvents: printEvents, after: after, header: header, line: line)
            } catch {
                failure = error
            }
            // The watcher stops before the line is cleared, so that it cannot draw again after.
            group.cancelAll()
            try? await group.waitForAll()
            await line.clear()
            if let failure { throw failure }
        }
    }

    private static func streamEvents(
        _ api: APIClient, client: ClientOptions, workflowId: String, runId: String, printEvents: Bool, after: Int64, header: Bool, line: ProgressLine
    ) async throws {
        var after = after
        var printedHeader = !header
        while true {
            let path = "\(client.namespacePath)/workflows/\(segment(workflowId))/history?runId=\(runId)&wait=true&afterEventId=\(after)"
            let (json, _) = try await api.json(.GET, path, timeout: .seconds(90))
            let events = json["events"]?.arrayValue ?? []
            if printEvents && !events.isEmpty {
                let (format, withHeader) = (client.output, !printedHeader)
                await line.printing {
                    if format.isJSON {
                        for event in events { print(event.compactDescription) }
                    } else {
                        Output.events(events, header: withHeader)
                    }
                }
                printedHeader = true
            }
            if let last = events.last { after = Int64(Output.plain(last["eventId"])) ?? after }
            if events.contains(where: { closingEvents.contains(Output.plain($0["eventType"])) }) { return }
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

    /// Describes the run once a second and draws its activities' heartbeat `percent`.
    private static func watchProgress(_ api: APIClient, client: ClientOptions, workflowId: String, runId: String, line: ProgressLine) async {
        while !Task.isCancelled {
            if let (described, _) = try? await api.json(.GET, "\(client.namespacePath)/workflows/\(segment(workflowId))?runId=\(runId)") {
                await line.draw(ProgressLine.text(pendingActivities: described["pendingActivities"]?.arrayValue ?? []))
            }
            try? await Task.sleep(for: .seconds(1))
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

    /// The items of a list route, page after page until `limit` items or the last page.
    ///
    /// - Returns: the items, and the token of the next page when `limit` stopped it short.
    static func pages(
        _ api: APIClient, path: String, filters: [String], key: String, limit: Int, pageSize: Int?
    ) async throws -> (items: [JSONValue], nextPageToken: String?) {
        var items: [JSONValue] = []
        var token: String?
        repeat {
            let size = min(pageSize ?? 1000, limit - items.count, 1000)
            let query = filters + ["limit=\(size)"] + (token.map { ["pageToken=\(segment($0))"] } ?? [])
            let (json, _) = try await api.json(.GET, "\(path)?\(query.joined(separator: "&"))")
            items += json[key]?.arrayValue ?? []
            token = json["nextPageToken"].flatMap { $0 == .null ? nil : Output.plain($0) }
        } while token != nil && items.count < limit
        return (Array(items.prefix(limit)), token)
    }

    static func runIdOf(_ api: APIClient, client: ClientOptions, workflowId: String, runId: String?) async throws -> String {
        if let runId { return runId }
        let (json, _) = try await api.json(.GET, "\(client.namespacePath)/workflows/\(segment(workflowId))")
        return Output.plain(json["runId"])
    }
}
