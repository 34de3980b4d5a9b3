import Server
import Testing

/// Hummingbird's HTTP metrics under Reprise's names, with labels a caller cannot choose.
@Suite("HTTP metric names")
struct HTTPMetricNamesTests {
    @Test func hummingbirdsRequestCounterGetsRepriseNameAndLabels() {
        let (name, labels) = HTTPMetricNames.relabel(
            "hb.requests", [("http.route", "/api/v1/namespaces/{namespace}/workflows"), ("http.request.method", "POST"), ("http.response.status_code", "201")])
        #expect(name == "reprise_http_requests_total")
        #expect(labels.map(\.0) == ["route", "method", "status"])
        #expect(labels.map(\.1) == ["/api/v1/namespaces/{namespace}/workflows", "POST", "201"])
        #expect(HTTPMetricNames.relabel("http.server.request.duration", []).0 == "reprise_http_request_duration_seconds")
    }

    @Test func callerChosenValuesCollapseIntoFixedOnes() {
        for route in ["NotFound", "Unknown"] {
            let (_, labels) = HTTPMetricNames.relabel(
                "hb.requests", [("http.route", route), ("http.request.method", "BREW"), ("http.response.status_code", "9999")])
            #expect(labels.map(\.1) == ["unmatched", "other", "other"])
        }
    }

    @Test func otherMetricsPassUnchanged() {
        let (name, labels) = HTTPMetricNames.relabel("reprise_activity_failures_total", [("activity_type", "trip.book")])
        #expect(name == "reprise_activity_failures_total" && labels.map(\.1) == ["trip.book"])
    }
}
