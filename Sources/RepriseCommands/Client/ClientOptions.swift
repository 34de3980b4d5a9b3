import ArgumentParser
import AsyncHTTPClient
import Foundation
import Workflow

/// The options every client command takes.
struct ClientOptions: ParsableArguments {
    @Option(help: "The server. Env: REPRISE_ADDRESS.")
    var address: String = ProcessInfo.processInfo.environment["REPRISE_ADDRESS"] ?? "http://127.0.0.1:8233"

    @Option(name: [.short, .long], help: "The namespace. Env: REPRISE_NAMESPACE.")
    var namespace = ProcessInfo.processInfo.environment["REPRISE_NAMESPACE"] ?? "default"

    @Option(help: "A bearer token. Env: REPRISE_TOKEN.")
    var token: String?

    @Option(name: [.short, .customLong("output")], help: "text for people, json for scripts (the API's JSON), jsonl for one JSON object a line.")
    var output: OutputFormat = .text

    @Option(help: "Colour status words and headers: auto (on a terminal, unless NO_COLOR is set), always or never.")
    var color: ColorMode = .auto

    /// A client for these options; it is shut down after `body`.
    func withClient<T>(_ body: (APIClient) async throws -> T) async throws -> T {
        var configuration = HTTPClient.Configuration()
        // A CLI should fail fast and clearly when the server is not there, not retry for a minute.
        configuration.timeout.connect = .seconds(5)
        configuration.connectionPool.retryConnectionEstablishment = false
        return try await HTTPClient.withHTTPClient(configuration: configuration) { http in
            let client = APIClient(
                http: http, address: address.hasSuffix("/") ? String(address.dropLast()) : address,
                token: token ?? ProcessInfo.processInfo.environment["REPRISE_TOKEN"])
            return try await Output.$useColor.withValue(color.enabled()) { try await body(client) }
        }
    }

    /// The path prefix of this namespace's routes.
    var namespacePath: String { "/api/v1/namespaces/\(namespace.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? namespace)" }

    /// Prints an answer as JSON: the API's text for `json`, each of `items` on its own line for `jsonl`.
    func printJSON(_ text: String, items: JSONValue?) {
        if output == .jsonl { Output.jsonLines(items) } else { print(text) }
    }
}
