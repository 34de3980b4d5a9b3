import Logging
import NIOSSL
import PostgresNIO

extension Store {
    /// Opens one connection as the Store's pool would, asks Postgres `SELECT 1`, and closes it.
    ///
    /// The pool keeps retrying a connection that fails and surfaces a generic error after a
    /// while; this check fails at once and says why, so commands call it before they start (and
    /// ``migrate(_:)`` does).
    ///
    /// - Throws: ``StoreError`` `DatabaseUnreachable`, its message naming what to fix: TLS the
    ///   server does not offer or insists on, a certificate the roots do not verify or that does
    ///   not name the host, or the server's own refusal.
    public func checkConnection() async throws {
        guard let target = renewal.watchTarget else {
            _ = try await pool.query("SELECT 1", logger: logger)
            return
        }
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: target.connection, id: 0, logger: logger)
        } catch {
            throw StoreError(.databaseUnreachable, ConnectionFailure.explain(error, target: target))
        }
        do {
            for try await _ in try await connection.query("SELECT 1", logger: logger) {}
            try await connection.close()
        } catch {
            try? await connection.close()
            throw StoreError(.databaseUnreachable, ConnectionFailure.explain(error, target: target))
        }
    }
}

/// What a failed connection means to the person who configured it.
enum ConnectionFailure {
    static func explain(_ error: any Error, target: WatchTarget) -> String {
        let server = "\(target.connection.host ?? "the server"):\(target.connection.port ?? 5432)"
        let tls = target.tls
        let roots = tls.rootCertificatePath.map { "sslrootcert=\($0)" } ?? "the system's trusted roots"
        let detail = String(reflecting: error)
        let psql = error as? PSQLError
        if psql?.code == .sslUnsupported {
            return """
                \(server) does not accept TLS, and sslmode=\(tls.mode.rawValue) requires it: turn on ssl in the server's \
                postgresql.conf, or use sslmode=prefer or disable on a network you trust
                """
        }
        let cause = psql?.underlying.map { String(reflecting: $0) } ?? detail
        if cause.contains("CERTIFICATE_VERIFY_FAILED") || cause.contains("unable to get local issuer certificate") {
            return """
                TLS to \(server) failed: the server's certificate is not signed by \(roots). Set sslrootcert to the file \
                of the CA certificate that signed the server's (your provider's CA bundle), or use sslmode=require to \
                encrypt without verifying the server (\(cause))
                """
        }
        if cause.contains("failedToValidateHostname") {
            return """
                TLS to \(server) failed: the server's certificate does not name \(target.connection.host ?? "the host"). \
                Connect by a name the certificate holds, or use sslmode=verify-ca to verify the certificate but not the name \
                (\(cause))
                """
        }
        if let message = psql?.serverInfo?[.message], message.contains("no encryption") {
            return """
                \(server) refused the connection: \(message). The server accepts only TLS (hostssl in pg_hba.conf) and \
                sslmode=\(tls.mode.rawValue) does not encrypt: use sslmode=require or verify-full
                """
        }
        if let message = psql?.serverInfo?[.message] {
            return "\(server) refused the connection: \(message)"
        }
        return "could not connect to \(server) (sslmode=\(tls.mode.rawValue)): \(cause)"
    }
}
