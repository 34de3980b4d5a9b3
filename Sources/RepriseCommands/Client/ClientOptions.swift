import ArgumentParser
import AsyncHTTPClient
import Foundation

/// The options every client command takes.
struct ClientOptions: ParsableArguments {
    @Option(help: "The server. Env: REPRISE_ADDRESS.")
    var address: String = ProcessInfo.processInfo.environment["REPRISE_ADDRESS"] ?? "http://127.0.0.1:8233"

    @Option(name: [.short, .long], help: "The namespace.")
    var namespace = "default"

    @Option(help: "A bearer token. Env: REPRISE_TOKEN.")
    var token: String?

    @Option(name: [.short, .customLong("output")], help: "text for people, json for scripts (the API's JSON unchanged).")
    var output: OutputFormat = .text

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
            return try await body(client)
        }
    }

    /// The path prefix of this namespace's routes.
    var namespacePath: String { "/api/v1/namespaces/\(namespace.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? namespace)" }
}
