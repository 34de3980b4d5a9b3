import NIOSSL
import PostgresNIO

/// How the Store's connections use TLS, from a database URL's `sslmode` and `sslrootcert`, with
/// libpq's meanings (docs/deploying.md):
///
/// | `sslmode` | encrypts | verifies the certificate chain | verifies the host name |
/// |---|---|---|---|
/// | `disable` | never | – | – |
/// | `prefer` (default) | when the server offers TLS | no | no |
/// | `require` | always | only with `sslrootcert`, as libpq does | no |
/// | `verify-ca` | always | yes | no |
/// | `verify-full` | always | yes | yes |
///
/// The roots a verifying mode trusts are the PEM certificates in `sslrootcert`, or the system's
/// when it is absent or `system`. libpq's `allow` (plain first, TLS on refusal) is refused:
/// PostgresNIO cannot try plain first.
public struct DatabaseTLS: Sendable {
    /// libpq's `sslmode` values that Reprise takes.
    public enum Mode: String, Sendable, CaseIterable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    /// The mode, `prefer` when the URL names none.
    public let mode: Mode
    /// The file the roots come from; nil for the system's.
    public let rootCertificatePath: String?
    private let roots: [NIOSSLCertificate]?

    /// Reads the TLS settings of a database URL's query.
    ///
    /// - Throws: ``StoreError`` `InvalidDatabaseURL` naming an unknown `sslmode`, or an
    ///   `sslrootcert` that cannot be read or holds no PEM certificate.
    public init(sslmode: String?, sslrootcert: String?) throws {
        guard let mode = Mode(rawValue: sslmode ?? Mode.prefer.rawValue) else {
            let known = Mode.allCases.map(\.rawValue).joined(separator: ", ")
            throw StoreError(.invalidDatabaseURL, "sslmode=\(sslmode ?? "") is not one Reprise takes; use one of \(known)")
        }
        self.mode = mode
        guard let path = sslrootcert, path != "system" else {
            rootCertificatePath = nil
            roots = nil
            return
        }
        guard !path.isEmpty else { throw StoreError(.invalidDatabaseURL, "sslrootcert is empty; give the path of a PEM file of root certificates, or system") }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw StoreError(.invalidDatabaseURL, "sslrootcert=\(path) cannot be read as PEM certificates (\(error)); give the path of the CA's certificate file")
        }
        guard !certificates.isEmpty else { throw StoreError(.invalidDatabaseURL, "sslrootcert=\(path) holds no PEM certificate") }
        rootCertificatePath = path
        roots = certificates
    }

    /// Whether the certificate chain is verified: libpq's `require` does when a root file is given.
    var verifiesChain: Bool {
        switch mode {
        case .disable, .prefer: false
        case .require: roots != nil
        case .verifyCA, .verifyFull: true
        }
    }

    /// NIOSSL's settings for the verification this mode asks for.
    var configuration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch (verifiesChain, mode) {
        case (false, _): configuration.certificateVerification = .none
        case (true, .verifyFull): configuration.certificateVerification = .fullVerification
        case (true, _): configuration.certificateVerification = .noHostnameVerification
        }
        configuration.trustRoots = roots.map { .certificates($0) } ?? .default
        return configuration
    }

    /// The pool's TLS.
    var client: PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(configuration)
        case .require, .verifyCA, .verifyFull: .require(configuration)
        }
    }

    /// A single connection's TLS (the Store's watch, ``Store/checkConnection()``).
    func connection() throws -> PostgresConnection.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: configuration))
        case .require, .verifyCA, .verifyFull: .require(try NIOSSLContext(configuration: configuration))
        }
    }
}
