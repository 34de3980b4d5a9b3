import ArgumentParser
import Foundation
import Logging
import Store
import Workflow

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
                print(client.output.isJSON ? text : Output.plain(json["token"]))
            }
        }
    }
}

extension TokenRole: ExpressibleByArgument {}
