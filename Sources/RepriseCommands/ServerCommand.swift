import ArgumentParser
import Foundation
import Logging
import Server
import Store

/// `reprise server`: the HTTP API and the engine loops (timers, reaper, retention).
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server", abstract: "Run the HTTP API, the timer service, the lease reaper and retention.")

    @Option(help: "HOST:PORT to listen on.")
    var bind = "0.0.0.0:8233"

    @Option(help: "The database. Env: DATABASE_URL.")
    var databaseURL: String?

    @Flag(help: "Serve without tokens. Never on a public address.")
    var insecure = false

    @OptionGroup var webhooks: WebhookOptions

    func run() async throws {
        let logger = bootstrapLogging(label: "reprise.server")
        let url = try databaseURL ?? requiredDatabaseURL()
        let parts = bind.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--bind must be HOST:PORT, got \(bind)") }
        let adminToken = ProcessInfo.processInfo.environment["REPRISE_ADMIN_TOKEN"]
        if !insecure && (adminToken ?? "").isEmpty {
            logger.notice("Auth is on and REPRISE_ADMIN_TOKEN is unset: create tokens with `reprise token create --database-url …`")
        }
        if let adminToken, !adminToken.isEmpty, adminToken.utf8.count < APIServer.Configuration.minimumAdminTokenLength {
            throw ValidationError(
                "REPRISE_ADMIN_TOKEN is \(adminToken.utf8.count) characters; it must have at least \(APIServer.Configuration.minimumAdminTokenLength) (try: openssl rand -hex 32)")
        }
        let webhookConfiguration = try webhooks.configuration(logger: logger)
        try await MigrateCommand.apply(url: url, sets: MigrateCommand.serverSets, logger: logger)
        let clock = try await databaseClock(url: url, logger: logger)
        let store = try Store(url: url, logger: logger)
        var configuration = APIServer.Configuration(insecure: insecure, adminToken: adminToken)
        configuration.webhooks = webhookConfiguration
        let api = APIServer(
            store: store, clock: clock, configuration: configuration, metrics: metricsRegistry,
            gateway: try makeGateway(store: store, clock: clock, egress: try WorkerConfinement.egress(allowLoopback: false), logger: logger), logger: logger)
        try await runServices(
            [StoreService(store: store), api.application(host: String(parts[0]), port: port)]
                + engineServices(store: store, clock: clock, logger: logger),
            logger: logger)
    }
}
