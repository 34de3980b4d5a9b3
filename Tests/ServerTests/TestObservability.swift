import CoreMetrics
import InMemoryTracing
import Prometheus
import Server
import Tracing

/// The test process's metrics and tracing backends, bootstrapped once (a process can bootstrap
/// each only once): the registry every ``APIHarness`` serves on `/metrics`, with Reprise's HTTP
/// metric names as `reprise` sets them up, and an in-memory tracer whose spans the tests read.
enum TestObservability {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = { HTTPMetricNames.relabel($0, $1) }
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Spans of every test in the process: a test picks its own out by trace id.
    static let tracer: InMemoryTracer = {
        let tracer = InMemoryTracer(recordInjections: false, recordExtractions: false)
        InstrumentationSystem.bootstrap(tracer)
        return tracer
    }()
}
