import Server
import Store
import Workers

/// Everything `reprise server` is configured with, and its keys. Defaults live in the structs
/// this holds (``APIServer/Configuration``, ``Limits``, …), so the library's default is the CLI's.
struct ServerConfiguration {
    var database = DatabaseSettings()
    var http = HTTPSettings(host: "0.0.0.0", port: 8233)
    var api = APIServer.Configuration()
    var engine = EngineSettings()
    var limits = Limits()
    var outbound = OutboundSettings()

    /// Every key `reprise server` reads: one line each in the tables these gather.
    static var settings: [Setting<Self>] {
        var settings: [Setting<Self>] = DatabaseSettings.settings.map { $0.scoped(\.database) }
        settings += HTTPSettings.settings.map { $0.scoped(\.http) }
        settings.append(.bool("insecure", \.api.insecure, "Serve without tokens. Never on a public address."))
        settings.append(
            .optionalText(
                "adminToken", \.api.adminToken, form: "at least \(APIServer.Configuration.minimumAdminTokenLength) characters", secret: true,
                "A token accepted as an admin token, to bootstrap a deployment.", check: checkAdminToken))
        settings += APISettings.settings.map { $0.scoped(\.api) }
        settings += EngineSettings.settings.map { $0.scoped(\.engine) }
        settings += OutboundSettings.gatewaySettings.map { $0.scoped(\.outbound) }
        return settings + LimitSettings.settings.map { $0.scoped(\.limits) }
    }

    private static func checkAdminToken(_ token: String) throws {
        guard token.isEmpty || token.utf8.count >= APIServer.Configuration.minimumAdminTokenLength else {
            throw ConfigurationError(
                code: .invalidValue,
                description:
                    "adminToken: it is \(token.utf8.count) characters; it must have at least \(APIServer.Configuration.minimumAdminTokenLength) (try: openssl rand -hex 32)")
        }
    }
}

/// Everything `reprise worker` is configured with, and its keys.
struct WorkerConfiguration {
    var database = DatabaseSettings()
    var worker = Worker.Configuration(taskQueue: "main")
    var limits = Limits()
    var outbound = OutboundSettings()

    static var settings: [Setting<Self>] {
        var settings: [Setting<Self>] = DatabaseSettings.settings.map { $0.scoped(\.database) }
        settings += WorkerSettings.settings(namespaces: true).map { $0.scoped(\.worker) }
        settings += OutboundSettings.gatewaySettings.map { $0.scoped(\.outbound) }
        settings += OutboundSettings.mediaSettings.map { $0.scoped(\.outbound) }
        return settings + LimitSettings.settings.map { $0.scoped(\.limits) }
    }
}

/// Everything `reprise dev` is configured with, and its keys: the server's and the worker's but
/// the admin token, `insecure` (dev is always without tokens, on loopback) and the namespaces.
struct DevConfiguration {
    var database = DatabaseSettings()
    var http = HTTPSettings(host: "127.0.0.1", port: 8233)
    var api = APIServer.Configuration()
    var engine = EngineSettings()
    var worker = Worker.Configuration(taskQueue: "main")
    var limits = Limits()
    var outbound = OutboundSettings()
    var dataDirectory = ".reprise/dev-pg"
    var postgresPort = 54329

    static var settings: [Setting<Self>] {
        var settings: [Setting<Self>] = DatabaseSettings.settings.map { $0.scoped(\.database) }
        settings.append(.text("dev.dataDir", \.dataDirectory, form: "path", "Where the private Postgres cluster lives (without database.url)."))
        settings.append(.int("dev.postgresPort", \.postgresPort, in: 1024...65_535, "The private cluster's port."))
        settings += HTTPSettings.settings.map { $0.scoped(\.http) }
        settings += APISettings.settings.map { $0.scoped(\.api) }
        settings += EngineSettings.settings.map { $0.scoped(\.engine) }
        settings += WorkerSettings.settings(namespaces: false).map { $0.scoped(\.worker) }
        settings += OutboundSettings.gatewaySettings.map { $0.scoped(\.outbound) }
        settings += OutboundSettings.mediaSettings.map { $0.scoped(\.outbound) }
        return settings + LimitSettings.settings.map { $0.scoped(\.limits) }
    }
}

/// Every key any process reads: what a `--config` file may hold, so that one file can serve a
/// server and its workers alike.
enum ConfigurationKeys {
    static var all: Set<String> {
        Set(ServerConfiguration.settings.map(\.key) + WorkerConfiguration.settings.map(\.key) + DevConfiguration.settings.map(\.key))
    }
}
