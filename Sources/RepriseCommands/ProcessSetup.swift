import ArgumentParser
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
