import Activities
import Engine
import Foundation
import Server
import Store
import Workers
import Workflow

/// The database every process uses, and how it uses it.
struct DatabaseSettings {
    /// Without one, `dev` starts a private cluster and `server`/`worker` refuse to start.
    var url: String?
    var maxConnections = Store.defaultMaximumConnections
    var maxQueuedStarts = Store.defaultMaxQueuedStarts
    var callTimeout = defaultDatabaseCallTimeout

    static var settings: [Setting<Self>] {
        [
            .optionalText("database.url", \.url, form: "postgres:// URL", secret: true, "The database. Also read from DATABASE_URL."),
            .int("database.maxConnections", \.maxConnections, in: 2...1000, "The connection pool's size."),
            .int("database.maxQueuedStarts", \.maxQueuedStarts, in: 1...1_000_000, "Starts that may wait for a batch before more are refused (503)."),
            .duration(
                "database.callTimeout", \.callTimeout, in: .seconds(1)...(.seconds(3600)),
                "How long one database call may take before it is abandoned (a connection Postgres dropped mid-query)."),
        ]
    }
}

/// Where the API listens: the same two keys for `dev` and `server`.
struct HTTPSettings {
    var host: String
    var port: Int

    static var settings: [Setting<Self>] {
        [
            .text("http.host", \.host, form: "host name or address", "The address the API listens on.", check: checkHost),
            .int("http.port", \.port, in: 0...65_535, "The port the API listens on (0: any free port)."),
        ]
    }

    static func checkHost(_ host: String) throws {
        guard !host.isEmpty, host.utf8.count <= 253, host.allSatisfy({ $0.isLetter || $0.isNumber || ".-:_".contains($0) }) else {
            throw ConfigurationError.invalidValue(key: "http.host", value: host, expected: "a host name or an IP address")
        }
    }
}

/// What the API accepts and how long it waits: the body limit, the long-poll wait, timeouts.
enum APISettings {
    static var settings: [Setting<APIServer.Configuration>] {
        [
            .size("http.maxBodySize", \.maxBodySize, in: 1024...(256 << 20), "The largest request body accepted."),
            .duration("http.longPollWait", \.historyWaitTimeout, in: .seconds(1)...(.seconds(300)), "How long GET …/history?wait=true waits for new events."),
            .duration("http.idleTimeout", \.idleTimeout, in: .seconds(1)...(.seconds(3600)), "How long a connection may stay silent before it is closed."),
            .duration("http.readinessTimeout", \.readinessTimeout, in: .milliseconds(100)...(.seconds(60)), "How long /readyz waits for the database."),
            .duration(
                "http.liveWorkersRefresh", \.liveWorkersRefresh, in: .milliseconds(100)...(.seconds(60)),
                "How often the API reloads which types live workers serve (for the start warning)."),
            .text(
                "http.defaultTaskQueue", \.defaultTaskQueue, form: "identifier", "The task queue of a start that names none.",
                check: { try checkIdentifier($0, key: "http.defaultTaskQueue") }),
        ]
    }
}

/// The engine's loops beside the API: timers, schedules, the lease reaper, retention.
struct EngineSettings {
    var timerPollInterval = TimerService.defaultPollInterval
    var timerBatchSize = TimerService.defaultBatchSize
    var schedulePollInterval = ScheduleService.defaultPollInterval
    var scheduleBatchSize = ScheduleService.defaultBatchSize
    var reaperInterval = LeaseReaper.defaultInterval
    var retentionInterval = RetentionService.defaultInterval
    var retentionRetryInterval = RetentionService.defaultRetryInterval

    static var settings: [Setting<Self>] {
        [
            .duration("engine.timerPollInterval", \.timerPollInterval, in: .milliseconds(10)...(.seconds(3600)), "The timer service's poll when no notification comes."),
            .int("engine.timerBatchSize", \.timerBatchSize, in: 1...100_000, "Timers fired per round."),
            .duration("engine.schedulePollInterval", \.schedulePollInterval, in: .milliseconds(10)...(.seconds(3600)), "The schedule service's longest sleep."),
            .int("engine.scheduleBatchSize", \.scheduleBatchSize, in: 1...100_000, "Schedules fired per round."),
            .duration("engine.reaperInterval", \.reaperInterval, in: .milliseconds(10)...(.seconds(3600)), "The longest time between two lease-reaper rounds."),
            .duration("engine.retentionInterval", \.retentionInterval, in: .seconds(1)...(.seconds(86_400 * 7)), "How often closed runs past retention are deleted."),
            .duration(
                "engine.retentionRetryInterval", \.retentionRetryInterval, in: .seconds(1)...(.seconds(86_400)),
                "How soon a failed retention round is tried again."),
        ]
    }
}

/// What activities and the gateway may touch and reach, and the gateway's own file.
struct OutboundSettings {
    var gatewayConfig: String?
    var egressAllow = ""
    var mediaRoot = MediaConfiguration.defaultRoot
    var ffmpegPath: String?
    var ffprobePath: String?

    static var gatewaySettings: [Setting<Self>] {
        [
            .optionalText("gateway.config", \.gatewayConfig, form: "path to a JSON file", "The LLM gateway's configuration (docs/gateway.md)."),
            .text("egress.allow", \.egressAllow, form: "comma-separated CIDRs and host names", "Where outbound HTTP may go beyond internet addresses."),
        ]
    }

    static var mediaSettings: [Setting<Self>] {
        [
            .text("media.root", \.mediaRoot, form: ":-separated directories", "Where media activities read and write (created when missing)."),
            .optionalText("media.ffmpegPath", \.ffmpegPath, form: "path", "The ffmpeg binary. Also read from FFMPEG_PATH."),
            .optionalText("media.ffprobePath", \.ffprobePath, form: "path", "The ffprobe binary. Also read from FFPROBE_PATH."),
        ]
    }

    /// The environment the confinement and the gateway read, with these settings in it.
    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["REPRISE_EGRESS_ALLOW"] = egressAllow
        environment["REPRISE_MEDIA_ROOT"] = mediaRoot
        environment["FFMPEG_PATH"] = ffmpegPath
        environment["FFPROBE_PATH"] = ffprobePath
        return environment
    }
}

/// Checks an identifier setting (a task queue, a namespace) as the API checks one.
func checkIdentifier(_ value: String, key: String) throws {
    do { try Limits().checkIdentifier(value, field: key) } catch {
        throw ConfigurationError.invalidValue(key: key, value: value, expected: "an identifier: 1 to \(Limits().maxIdentifierBytes) bytes, no control characters")
    }
}
