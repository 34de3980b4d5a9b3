import Foundation
import Logging
import PostgresNIO
import RepriseTesting
import Store
import Testing

/// `DATABASE_URL`'s `sslmode` and `sslrootcert`, with libpq's meanings.
@Suite("Postgres TLS")
struct DatabaseTLSTests {
    static let logger = Logger(label: "tls-test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The code and message of the StoreError `body` throws; fails the test when it throws none.
    static func storeError(_ body: () async throws -> Void) async -> StoreError? {
        do {
            try await body()
            Issue.record("no error")
        } catch let error as StoreError {
            return error
        } catch {
            Issue.record("not a StoreError: \(String(reflecting: error))")
        }
        return nil
    }

    @Test func anSslmodeReprisesDoesNotTakeIsRefusedByName() async throws {
        for mode in ["verify-everything", "allow", "REQUIRE", ""] {
            let error = await Self.storeError { _ = try Store.configuration(url: "postgres://postgres@db.example/app?sslmode=\(mode)") }
            #expect(error?.code == .invalidDatabaseURL)
            #expect(error?.message.contains("sslmode=\(mode) is not one Reprise takes") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("verify-full") == true, "the message lists the modes")
        }
    }

    @Test func aRootCertificateThatCannotBeReadIsRefusedByPath() async throws {
        let missing = "/nonexistent/reprise-\(UUID().uuidString)/ca.crt"
        let notPEM = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-certificate-\(UUID().uuidString).crt").path
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: notPEM))
        defer { try? FileManager.default.removeItem(atPath: notPEM) }
        for path in [missing, notPEM] {
            let error = await Self.storeError {
                _ = try Store.configuration(url: "postgres://postgres@db.example/app?sslmode=verify-full&sslrootcert=\(path)")
            }
            #expect(error?.code == .invalidDatabaseURL)
            #expect(error?.message.contains("sslrootcert=\(path)") == true, "\(error?.message ?? "")")
        }
        let empty = await Self.storeError { _ = try Store.configuration(url: "postgres://postgres@db.example/app?sslmode=verify-full&sslrootcert=") }
        #expect(empty?.code == .invalidDatabaseURL)
    }

    @Test func aClientCertificateIsRefusedRatherThanIgnored() async throws {
        let error = await Self.storeError { _ = try Store.configuration(url: "postgres://postgres@db.example/app?sslmode=verify-full&sslcert=/etc/client.crt") }
        #expect(error?.code == .invalidDatabaseURL)
        #expect(error?.message.contains("sslcert is not supported") == true, "\(error?.message ?? "")")
    }

    @Test func aURLsPasswordIsNotRepeatedInItsError() async throws {
        let error = await Self.storeError { _ = try Store.configuration(url: "mysql://user:s3cret@db.example/app") }
        #expect(error?.code == .invalidDatabaseURL)
        #expect(error?.message.contains("s3cret") == false, "\(error?.message ?? "")")
    }

    /// Runs `body` with a Store on `url`, its pool running.
    static func withStore(_ url: String, _ body: (Store) async throws -> Void) async throws {
        let store = try Store(url: url, maximumConnections: 2, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            try await body(store)
        }
    }

    /// Whether the pool's connection is encrypted, as the server sees it.
    static func encrypted(_ store: Store) async throws -> Bool {
        for try await ssl in try await store.client.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: logger).decode(Bool.self) {
            return ssl
        }
        return false
    }

    /// One cluster that takes only TLS, with a certificate for 127.0.0.1 that a CA of its own
    /// signed; every mode against it, in turn.
    @Test func eachModeAgainstAServerThatTakesOnlyTLS() async throws {
        let cluster = OwnCluster()
        do {
            let base = try await cluster.startTakingOnlyTLS()
            try await Self.modes(base: base, cluster: cluster)
        } catch {
            await cluster.destroy()
            throw error
        }
        await cluster.destroy()
    }

    static func modes(base: String, cluster: OwnCluster) async throws {
        // require: encrypted, the certificate unchecked (its CA is known to no one here).
        try await withStore(base + "?sslmode=require") { store in
            try await store.checkConnection()
            #expect(try await encrypted(store))
        }
        // The default is libpq's prefer: TLS when the server offers it.
        try await withStore(base) { store in
            try await store.checkConnection()
            #expect(try await encrypted(store))
        }
        // verify-full with the CA that signed the server's certificate.
        try await withStore(base + "?sslmode=verify-full&sslrootcert=\(cluster.certificateAuthority)") { store in
            try await store.checkConnection()
            #expect(try await encrypted(store))
        }
        // verify-full with another CA: refused, and the message says which roots and what to set.
        try await withStore(base + "?sslmode=verify-full&sslrootcert=\(cluster.otherCertificateAuthority)") { store in
            let error = await storeError { try await store.checkConnection() }
            #expect(error?.code == .databaseUnreachable)
            let message = error?.message ?? ""
            #expect(message.contains("not signed by sslrootcert=\(cluster.otherCertificateAuthority)"), "\(message)")
            #expect(message.contains("Set sslrootcert to the file of the CA certificate that signed the server's"), "\(message)")
            // And migrate, the first call of every command, fails the same way rather than wait.
            let migrating = await storeError { try await store.migrate() }
            #expect(migrating?.message == message)
        }
        // require with a root file verifies the chain, as libpq's does: the other CA is refused too.
        try await withStore(base + "?sslmode=require&sslrootcert=\(cluster.otherCertificateAuthority)") { store in
            let error = await storeError { try await store.checkConnection() }
            #expect(error?.message.contains("not signed by sslrootcert=") == true, "\(error?.message ?? "")")
        }
        // verify-ca with the right CA: the chain is checked, the name is not.
        try await withStore(base + "?sslmode=verify-ca&sslrootcert=\(cluster.certificateAuthority)") { store in
            try await store.checkConnection()
            #expect(try await encrypted(store))
        }
        // disable against a server that takes only TLS: refused, and the message says to encrypt.
        try await withStore(base + "?sslmode=disable") { store in
            let error = await storeError { try await store.checkConnection() }
            #expect(error?.code == .databaseUnreachable)
            let message = error?.message ?? ""
            #expect(message.contains("no encryption") && message.contains("use sslmode=require or verify-full"), "\(message)")
        }
    }

    @Test func requireAgainstAServerWithoutTLSSaysToTurnItOn() async throws {
        try await TestDatabase.with(logger: Self.logger) { database in
            try await Self.withStore(database.url + "?sslmode=require") { store in
                let error = await Self.storeError { try await store.checkConnection() }
                #expect(error?.code == .databaseUnreachable)
                #expect(error?.message.contains("does not accept TLS, and sslmode=require requires it") == true, "\(error?.message ?? "")")
            }
        }
    }
}
