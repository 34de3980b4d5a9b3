import CoreMetrics
import HTTPTypes

/// Gives Hummingbird's HTTP metrics (`MetricsMiddleware`) Reprise's names and labels, for any
/// metrics backend: `reprise_http_requests_total{route,method,status}`,
/// `reprise_http_request_duration_seconds`, `reprise_http_request_errors_total` and
/// `reprise_http_active_requests`. Every other metric passes through unchanged.
///
/// A label never takes a value the caller chooses: the route is the matched route's pattern
/// (`/api/v1/namespaces/{namespace}/workflows`), never the path, and a path that matches no
/// route is `unmatched`; a method outside the standard ones is `other`.
public enum HTTPMetricNames {
    static let renamed = [
        "hb.requests": "reprise_http_requests_total",
        "http.server.request.duration": "reprise_http_request_duration_seconds",
        "hb.request.errors": "reprise_http_request_errors_total",
        "http.server.active_requests": "reprise_http_active_requests",
    ]
    static let labels = [
        "http.route": "route", "http.request.method": "method", "http.response.status_code": "status", "error.type": "status",
    ]
    /// Hummingbird's route for a request no route matched.
    static let unmatchedRoutes: Set<String> = ["NotFound", "Unknown"]
    static let methods: Set<String> = Set(
        ([.get, .head, .post, .put, .patch, .delete, .options] as [HTTPRequest.Method]).map(\.rawValue))

    /// The metric's name and labels as Reprise exports them.
    public static func relabel(_ name: String, _ dimensions: [(String, String)]) -> (String, [(String, String)]) {
        guard let renamed = renamed[name] else { return (name, dimensions) }
        return (
            renamed,
            dimensions.map { key, value in
                let label = labels[key] ?? key
                switch label {
                case "route": return (label, unmatchedRoutes.contains(value) ? "unmatched" : value)
                case "method": return (label, methods.contains(value) ? value : "other")
                case "status": return (label, Int(value).map { (100..<600).contains($0) } == true ? value : "other")
                default: return (label, value)
                }
            }
        )
    }
}

/// A metrics factory that renames metrics on their way to `base` (``HTTPMetricNames/relabel(_:_:)``),
/// for a backend that has no renaming of its own (OTLP; Prometheus's factory has one).
public struct RelabelingMetricsFactory: MetricsFactory {
    let base: any MetricsFactory
    let relabel: @Sendable (String, [(String, String)]) -> (String, [(String, String)])

    public init(
        base: any MetricsFactory, relabel: @escaping @Sendable (String, [(String, String)]) -> (String, [(String, String)]) = HTTPMetricNames.relabel
    ) {
        self.base = base
        self.relabel = relabel
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        let (label, dimensions) = relabel(label, dimensions)
        return base.makeCounter(label: label, dimensions: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        let (label, dimensions) = relabel(label, dimensions)
        return base.makeFloatingPointCounter(label: label, dimensions: dimensions)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        let (label, dimensions) = relabel(label, dimensions)
        return base.makeMeter(label: label, dimensions: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        let (label, dimensions) = relabel(label, dimensions)
        return base.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let (label, dimensions) = relabel(label, dimensions)
        return base.makeTimer(label: label, dimensions: dimensions)
    }

    public func destroyCounter(_ handler: any CounterHandler) { base.destroyCounter(handler) }
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { base.destroyFloatingPointCounter(handler) }
    public func destroyMeter(_ handler: any MeterHandler) { base.destroyMeter(handler) }
    public func destroyRecorder(_ handler: any RecorderHandler) { base.destroyRecorder(handler) }
    public func destroyTimer(_ handler: any TimerHandler) { base.destroyTimer(handler) }
}
