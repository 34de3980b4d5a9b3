import ArgumentParser
import Foundation
import Gateway
import Logging
import Store
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
        if client.output == .json { return print(text) }
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
                if client.output == .json { return print(text) }
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
                print(client.output == .json ? text : "Created namespace \(name) (retention \(retentionDays) days)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List namespaces.")
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await client.withClient { api in
                let (json, text) = try await api.json(.GET, "/api/v1/namespaces")
                if client.output == .json { return print(text) }
                Output.table(
                    ["NAME", "RETENTION DAYS"],
                    (json["namespaces"]?.arrayValue ?? []).map { [Output.plain($0["name"]), Output.plain($0["retentionDays"])] })
            }
        }
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Create API tokens.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token; it is printed once.",
            discussion: "With --database-url the token is written straight to the database, for an operator with no token yet.")
        @OptionGroup var client: ClientOptions
        @Option(help: "reader, writer, operator or admin.") var role: TokenRole
        @Option(help: "Write to this database directly instead of calling the API. Env: DATABASE_URL is not read here on purpose.")
        var databaseURL: String?

        func run() async throws {
            if let databaseURL {
                let logger = Logger(label: "reprise.token", factory: { _ in SwiftLogNoOpLogHandler() })
                let store = try Store(url: databaseURL, maximumConnections: 1, logger: logger)
                let token = try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await store.run() }
                    defer { group.cancelAll() }
                    return try await store.createToken(namespace: client.namespace, role: role)
                }
                return print(token)
            }
            try await client.withClient { api in
                let body = JSONValue.object(["role": .string(role.rawValue)]).compactDescription
                let (json, text) = try await api.json(.POST, "\(client.namespacePath)/tokens", body: body)
                print(client.output == .json ? text : Output.plain(json["token"]))
            }
        }
    }
}

extension TokenRole: ExpressibleByArgument {}

struct LLMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llm", abstract: "The LLM gateway's ledger and budgets.", subcommands: [Usage.self, Budget.self])

    struct Budget: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a per-(namespace, model) budget, per day or month, straight in the database.",
            discussion: "The namespace is the tenant: every LLM call made in it is charged to it. Leave out --max-usd or --max-tokens to lift that limit.")
        @Option(help: "The database.") var databaseURL: String
        @Option(name: [.short, .long], help: "The namespace whose calls the budget limits.") var namespace = "default"
        @Option(help: "The model id.") var model: String
        @Option(help: "day or month.") var period = "day"
        @Option(help: "The most USD per period.") var maxUsd: String?
        @Option(help: "The most tokens per period.") var maxTokens: Int64?

        func run() async throws {
            let maxUSD = try maxUsd.map { text -> Decimal in
                guard let value = Decimal(string: text), value >= 0 else { throw ValidationError("--max-usd must be a non-negative number") }
                return value
            }
            let logger = Logger(label: "reprise.llm", factory: { _ in SwiftLogNoOpLogHandler() })
            let store = try Store(url: databaseURL, maximumConnections: 1, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.run() }
                defer { group.cancelAll() }
                try await Gateway(configuration: .default, store: store, logger: logger).setBudget(
                    namespace: namespace, model: model, period: period, maxTokens: maxTokens, maxUSD: maxUSD)
            }
            print("Budget set: \(namespace) \(model) per \(period): \(maxUsd.map { "$" + $0 } ?? "no USD limit"), \(maxTokens.map { "\($0) tokens" } ?? "no token limit")")
        }
    }

    struct Usage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Spending by model, day or run.")
        @OptionGroup var client: ClientOptions
        @Option(help: "model, day or run.") var groupBy = "model"

        func run() async throws {
            try await client.withClient { api in
                let (json, text) = try await api.json(.GET, "\(client.namespacePath)/llm/usage?groupBy=\(segment(groupBy))")
                if client.output == .json { return print(text) }
                Output.table(
                    [groupBy.uppercased(), "CALLS", "INPUT", "OUTPUT", "CACHE READ", "CACHE WRITE", "USD", "CACHE HITS"],
                    (json["usage"]?.arrayValue ?? []).map {
                        [Output.plain($0["key"]), Output.plain($0["calls"]), Output.plain($0["inputTokens"]), Output.plain($0["outputTokens"]),
                         Output.plain($0["cacheReadTokens"]), Output.plain($0["cacheWriteTokens"]), Output.plain($0["usd"]), Output.plain($0["cacheHits"])]
                    })
            }
        }
    }
}
