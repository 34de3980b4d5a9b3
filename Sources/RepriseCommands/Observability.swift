import CoreMetrics
import Foundation
import Logging
import OTel
import Prometheus
import Server
import ServiceLifecycle
import Synchronization
import Tracing
import Workers

/// The process's logs, metrics and traces (docs/observability.md), bootstrapped once, before
/// anything logs, counts or makes an HTTP client (AsyncHTTPClient takes the tracer it finds then).
///
/// - Logs: human-readable on stderr; one JSON object per line with `LOG_FORMAT=json`.
/// - Metrics: Prometheus, read on `/metrics`; OTLP instead with `OTEL_METRICS_EXPORTER=otlp`.
/// - Traces: exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the other
///   `OTEL_*` variables apply, read by swift-otel); otherwise the no-op tracer.
enum Observability {
    /// What the environment asks for.
    struct Settings {
        var logFormat: LogFormat = .text
        var logLevel: Logger.Level = .info
        /// Where OTLP goes (`OTEL_EXPORTER_OTLP_ENDPOINT`); nil exports nothing.
        var otlpEndpoint: String?
        var metricsOverOTLP = false

        enum LogFormat: String { case text, json }

        init(environment: [String: String]) throws(ObservabilityError) {
            if let format = environment["LOG_FORMAT"], !format.isEmpty {
                guard let parsed = LogFormat(rawValue: format.lowercased()) else {
                    throw ObservabilityError("LOG_FORMAT must be text or json, not \"\(format.prefix(40))\"")
                }
                logFormat = parsed
            }
            if let level = environment["LOG_LEVEL"], let parsed = Logger.Level(rawValue: level) { logLevel = parsed }
            otlpEndpoint = environment["OTEL_EXPORTER_OTLP_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 }
            switch environment["OTEL_METRICS_EXPORTER"]?.lowercased() {
            case nil, "", "prometheus": metricsOverOTLP = false
            case "otlp" where otlpEndpoint != nil: metricsOverOTLP = true
            case "otlp": throw ObservabilityError("OTEL_METRICS_EXPORTER=otlp needs OTEL_EXPORTER_OTLP_ENDPOINT")
            case let other?: throw ObservabilityError("OTEL_METRICS_EXPORTER must be prometheus or otlp, not \"\(other.prefix(40))\"")
            }
        }
    }

    /// The registry `/metrics` reads: the Prometheus backend's, or empty when metrics go over OTLP.
    static let registry = PrometheusCollectorRegistry()

    /// The exporters' background work (batching, flushing on shutdown), which the process runs
    /// first in its service group so that it stops last (``runServices(_:logger:)``).
    static var services: [any Service] { state.withLock { $0.services } }

    private struct State: ~Copyable {
        var bootstrapped = false
        var services: [any Service] = []
    }
    private static let state = Mutex(State())

    /// Bootstraps logging, metrics and tracing from the environment, once per process.
    static func bootstrap() throws(ObservabilityError) {
        let settings = try Settings(environment: ProcessInfo.processInfo.environment)
        let first = state.withLock { state in
            defer { state.bootstrapped = true }
            return !state.bootstrapped
        }
        guard first else { return }
        let level = settings.logLevel
        let json = settings.logFormat == .json
        // Log lines carry the active span's trace and span ids (none without a tracer).
        LoggingSystem.bootstrap(
            { label, provider in
                if json { return JSONLogHandler(label: label, level: level, metadataProvider: provider) }
                var handler = StreamLogHandler.standardError(label: label, metadataProvider: provider)
                handler.logLevel = level
                return handler
            }, metadataProvider: settings.otlpEndpoint == nil ? nil : OTel.makeLoggingMetadataProvider())
        var services: [any Service] = []
        var otel = OTel.Configuration.default
        // swift-otel's own reports go through the process's logs, in their format.
        otel.diagnosticLogger = .custom(Logger(label: "reprise.otel"))
        otel.diagnosticLogLevel = .warning
        otel.serviceName = "reprise"
        otel.logs.enabled = false
        // swift-otel reads the endpoint and the other OTEL_* variables itself, and sends to
        // `{endpoint}/v1/traces` and `{endpoint}/v1/metrics` over OTLP/HTTP.
        if let endpoint = settings.otlpEndpoint {
            do {
                let tracing = try OTel.makeTracingBackend(configuration: otel)
                InstrumentationSystem.bootstrap(tracing.factory)
                services.append(tracing.service)
            } catch {
                throw ObservabilityError("could not start the OTLP trace exporter for \(endpoint): \(error)")
            }
        }
        if settings.metricsOverOTLP, let endpoint = settings.otlpEndpoint {
            do {
                let metrics = try OTel.makeMetricsBackend(configuration: otel)
                MetricsSystem.bootstrap(RelabelingMetricsFactory(base: metrics.factory))
                services.append(metrics.service)
            } catch {
                throw ObservabilityError("could not start the OTLP metrics exporter for \(endpoint): \(error)")
            }
        } else {
            MetricsSystem.bootstrap(prometheusFactory(registry: registry))
        }
        Worker.declareMetrics()
        state.withLock { $0.services = services }
    }

    /// The Prometheus backend with Reprise's HTTP metric names and buckets sized for what each
    /// histogram measures (activities and timers run far longer than a request).
    static func prometheusFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = { HTTPMetricNames.relabel($0, $1) }
        let long: [Duration] = [.milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300), .seconds(1800)]
        factory.durationHistogramBuckets = [
            "reprise_activity_execution_seconds": long, "reprise_timer_lateness_seconds": long,
            "reprise_activity_schedule_to_start_seconds": long, "reprise_workflow_task_schedule_to_start_seconds": long,
        ]
        return factory
    }
}

/// The environment asks for observability that cannot be set up.
struct ObservabilityError: Error, CustomStringConvertible {
    let code = "InvalidObservabilitySettings"
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { "\(code): \(message)" }
}
