import ArgumentParser
import CoreMetrics
import Foundation
import Logging
import Prometheus

/// The database of `migrate` given no --database-url: `REPRISE_DATABASE_URL`, else `DATABASE_URL`
/// (the key `database.url`, read as `server` and `worker` read it), which must then be set.
func requiredDatabaseURL(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
    guard let url = ["REPRISE_DATABASE_URL", "DATABASE_URL"].lazy.compactMap({ environment[$0] }).first(where: { !$0.isEmpty }) else {
        throw ValidationError("give --database-url or set REPRISE_DATABASE_URL or DATABASE_URL")
    }
    return url
}

/// Logs to stderr at info, or at `LOG_LEVEL`.
func bootstrapLogging(label: String) -> Logger {
    let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    return Logger(label: label)
}

/// Prometheus: one registry for the API's `/metrics`, and the backend of swift-metrics (the gateway's counters).
let metricsRegistry: PrometheusCollectorRegistry = {
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    return registry
}()
