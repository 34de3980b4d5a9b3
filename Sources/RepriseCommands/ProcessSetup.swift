import ArgumentParser
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

/// Bootstraps the process's logging, metrics and tracing from the environment
/// (``Observability``) and returns a logger. Exits with the reason when the settings are invalid.
func bootstrapLogging(label: String) -> Logger {
    do {
        try Observability.bootstrap()
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(64)
    }
    return Logger(label: label)
}

/// The registry `/metrics` reads.
var metricsRegistry: PrometheusCollectorRegistry { Observability.registry }
