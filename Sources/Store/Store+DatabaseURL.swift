import Foundation
import PostgresNIO

extension Store {
    /// Parses a database URL into a client configuration, TLS included (``DatabaseTLS``).
    ///
    /// - Throws: ``StoreError`` with code `InvalidDatabaseURL` when the URL cannot be used.
    public static func configuration(url: String, maximumConnections: Int = 20) throws -> PostgresClient.Configuration {
        try settings(url: url, maximumConnections: maximumConnections).configuration
    }

    /// The pool's configuration and its watch's target, from a database URL.
    static func settings(url: String, maximumConnections: Int) throws -> (configuration: PostgresClient.Configuration, watch: WatchTarget) {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, !host.isEmpty
        else {
            throw StoreError(.invalidDatabaseURL, "expected postgres://user[:password]@host[:port]/database, got \(redacted(url))")
        }
        let query = components.queryItems ?? []
        // libpq's client certificates and the like would be silently ignored: refuse them instead.
        if let unsupported = query.first(where: { $0.name.hasPrefix("ssl") && !["sslmode", "sslrootcert"].contains($0.name) }) {
            throw StoreError(.invalidDatabaseURL, "\(unsupported.name) is not supported; Reprise takes sslmode and sslrootcert (docs/deploying.md)")
        }
        let tls = try DatabaseTLS(
            sslmode: query.last { $0.name == "sslmode" }.map { $0.value ?? "" }, sslrootcert: query.last { $0.name == "sslrootcert" }.map { $0.value ?? "" })
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let port = components.port ?? 5432
        let username = components.user ?? "postgres"
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: components.password, database: database.isEmpty ? nil : database, tls: tls.client)
        configuration.options.maximumConnections = maximumConnections
        // Kept open even when idle, so that after Postgres restarts the pool reconnects by itself
        // rather than on the next request (and the listener and a poll find one at once).
        configuration.options.minimumConnections = min(2, maximumConnections)
        let connection: PostgresConnection.Configuration.TLS
        do {
            connection = try tls.connection()
        } catch {
            throw StoreError(.invalidDatabaseURL, "the TLS settings of the database URL cannot be used: \(error)")
        }
        let watch = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: components.password, database: database.isEmpty ? nil : database, tls: connection)
        return (configuration, WatchTarget(connection: watch, tls: tls))
    }

    /// The URL with its password replaced, for messages.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}
