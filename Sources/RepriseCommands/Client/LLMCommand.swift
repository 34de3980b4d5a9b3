import ArgumentParser
import Foundation
import Gateway
import Logging
import Store
import Workflow

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
                if client.output.isJSON { return client.printJSON(text, items: json["usage"]) }
                Output.table(
                    [groupBy.uppercased(), "CALLS", "INPUT", "OUTPUT", "CACHE READ", "CACHE WRITE", "USD", "CACHE HITS", "ABANDONED"],
                    (json["usage"]?.arrayValue ?? []).map {
                        [Output.plain($0["key"]), Output.plain($0["calls"]), Output.plain($0["inputTokens"]), Output.plain($0["outputTokens"]),
                         Output.plain($0["cacheReadTokens"]), Output.plain($0["cacheWriteTokens"]), Output.plain($0["usd"]),
                         Output.plain($0["cacheHits"]), Output.plain($0["abandoned"])]
                    })
            }
        }
    }
}
