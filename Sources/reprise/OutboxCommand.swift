import ArgumentParser
import Foundation
import Logging
import RepriseCommands
import Samples
import Store

/// `reprise outbox list`: the e-mails the samples wrote, read straight from the database (the
/// outbox is a sample table, not part of the engine's API).
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox", abstract: "The samples' e-mail outbox.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the e-mails the samples sent or hold, newest first.",
            discussion: "`held` messages never left the machine (no e-mail provider is configured); `sent` ones went out over HTTP.")

        /// The database `reprise dev` starts when it is given none.
        static let devDatabase = "postgres://postgres@127.0.0.1:54329/postgres"

        @Option(help: "The database. Env: DATABASE_URL; by default the private cluster of `reprise dev`.")
        var databaseURL: String?

        @Option(name: [.short, .long], help: "The namespace whose e-mails to list.")
        var namespace = "default"

        @Option(help: "Only the e-mails of this workflow.")
        var workflowId: String?

        @Option(help: "How many to show (1-1000).")
        var limit = 20

        @Flag(help: "Print each message's body too.")
        var body = false

        @Option(name: [.short, .customLong("output")], help: "text for people, json for scripts.")
        var output: OutputFormat = .text

        func run() async throws {
            guard (1...1000).contains(limit) else { throw CLIError(message: "--limit must be from 1 to 1000, got \(limit)") }
            let url = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"] ?? Self.devDatabase
            let logger = Logger(label: "reprise.outbox", factory: { _ in SwiftLogNoOpLogHandler() })
            let store = try Store(url: url, maximumConnections: 1, logger: logger)
            let entries: [Outbox.Entry]
            do {
                entries = try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await store.run() }
                    defer { group.cancelAll() }
                    return try await Outbox.list(database: store.client, namespace: namespace, workflowId: workflowId, limit: limit)
                }
            } catch {
                let reason = String(reflecting: error).replacingOccurrences(of: "_ConnectionPoolModule.", with: "")
                    .replacingOccurrences(of: "\n", with: " ").prefix(300)
                throw CLIError(message: "cannot read the outbox at \(url): \(reason). Is `reprise dev` running? (--database-url, DATABASE_URL)")
            }
            if output == .json {
                let encoder = JSONEncoder()
                encoder.dateEncodingStrategy = .iso8601
                encoder.outputFormatting = [.sortedKeys]
                return print(String(decoding: try encoder.encode(["messages": entries]), as: UTF8.self))
            }
            Output.table(
                ["ID", "CREATED", "WORKFLOW", "TO", "STATUS", "SUBJECT"],
                entries.map { [String($0.id), $0.createdAt.formatted(.iso8601), $0.workflowId ?? "-", $0.to, $0.status, $0.subject] })
            if body {
                for entry in entries { print("\n--- \(entry.id): \(entry.subject)\n\(entry.body)") }
            }
        }
    }
}
