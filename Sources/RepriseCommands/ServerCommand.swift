import ArgumentParser
import Foundation
import Logging
import Server
import Store

/// `reprise server`: the HTTP API and the engine loops (timers, reaper, retention).
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server", abstract: "Run the HTTP API, the timer service, the lease reaper and retention.",
        discussion: "Every setting is a key: --set KEY=VALUE, REPRISE_* variables or a --config file give it (docs/configuration.md).")

    @OptionGroup var config: ConfigurationOptions
    @OptionGroup var listen: ListenOptions

    @Flag(help: "Serve without tokens. Never on a public address. (Key insecure.)")
    var insecure = false

    @OptionGroup var webhooks: WebhookOptions

    func run() async throws {
        var flags = try listen.flags
        flags.append((key: "insecure", value: insecure ? "true" : nil, flag: "--insecure"))
        let settings = try await config.resolve(ServerConfiguration.settings, over: ServerConfiguration(), flags: flags)
        let logger = bootstrapLogging(label: "reprise.server")
        guard let url = settings.database.url else { throw ValidationError("give --database-url, set REPRISE_DATABASE_URL or DATABASE_URL, or database.url in --config") }
        var configuration = settings.api
        configuration.limits = settings.limits
        configuration.databaseCallTimeout = settings.database.callTimeout
        if !configuration.insecure && (configuration.adminToken ?? "").isEmpty {
            logger.notice("Auth is on and REPRISE_ADMIN_TOKEN is unset: create tokens with `reprise token create --database-url …`")
        }
        configuration.webhooks = try webhooks.configuration(logger: logger)
        try await MigrateCommand.apply(url: url, sets: MigrateCommand.serverSets, logger: logger)
        let clock = try await databaseClock(url: url, logger: logger)
        let store = try settings.database.store(url: url, limits: settings.limits, logger: logger)
        let egress = try WorkerConfinement.egress(allowLoopback: false, environment: settings.outbound.environment)
        let api = APIServer(
            store: store, clock: clock, configuration: configuration, metrics: metricsRegistry,
            gateway: try makeGateway(store: store, clock: clock, egress: egress, configPath: settings.outbound.gatewayConfig, logger: logger),
            logger: logger)
        try await runServices(
            [StoreService(store: store), api.application(host: settings.http.host, port: settings.http.port)]
                + engineServices(store: store, clock: clock, settings: settings.engine, callTimeout: settings.database.callTimeout, logger: logger),
            logger: logger)
    }
}
