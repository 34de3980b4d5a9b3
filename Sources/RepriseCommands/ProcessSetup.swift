import ArgumentParser
import CoreMetrics
import Foundation
import Logging
import Prometheus

/// The database of a command given no --database-url: `DATABASE_URL`, which must then be set.
func requiredDatabaseURL() throws -> String {
    guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
        throw ValidationError("give --database-url or set DATABASE_URL")
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
