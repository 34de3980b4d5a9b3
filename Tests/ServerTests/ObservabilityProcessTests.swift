import AsyncHTTPClient
import Foundation
import Logging
import RepriseTesting
import Subprocess
import Testing
import TestSupport
import Workflow

/// `reprise dev` as a process, observed as an operator would: traces exported over OTLP/HTTP to a
/// local collector stand-in, the SLO metrics on `/metrics`, JSON log lines on stderr.
@Suite("Observability of a reprise process")
struct ObservabilityProcessTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func example(_ name: String) -> String { root.appendingPathComponent("workflows/examples/\(name)").path }

    /// The metrics docs/observability.md promises, each on `/metrics` once the process has run a
    /// saga and an LLM call.
    static let promised = [
        "reprise_http_requests_total", "reprise_http_request_duration_seconds", "reprise_workflow_task_schedule_to_start_seconds",
        "reprise_activity_schedule_to_start_seconds", "reprise_activity_execution_seconds", "reprise_activity_failures_total",
        "reprise_workflows_closed_total", "reprise_timer_lateness_seconds", "reprise_dead_letters_pending", "reprise_runs_paused",
        "reprise_worker_task_slots_available", "reprise_run_cache_runs", "reprise_db_pool_wait_seconds", "reprise_llm_cost_usd_total",
    ]

    @Test(.timeLimit(.minutes(5))) func devExportsTracesServesTheSLOMetricsAndLogsJSONLines() async throws {
        try await TestDatabase.with(logger: Self.logger) { database in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-obs-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let collector = StandInProvider(paths: ["/v1/traces"]) { _, _ in .init(body: .object([:])) }
            let provider = StandInProvider { _, _ in .init(body: StandInProvider.openAI(text: "85", prompt: 100, cached: 0, completion: 40)) }
            let port = 30_000 + Int.random(in: 0..<2_700)
            let cli = CLI(port: port, token: nil)
            let log = directory.appendingPathComponent("stderr.log").path
            var scraped = ""
            let status = try await collector.run {
                try await provider.run {
                    let environment: [Environment.Key: String?] = [
                        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.baseURL, "OTEL_BSP_SCHEDULE_DELAY": "200", "LOG_FORMAT": "json",
                        "OPENAI_BASE_URL": provider.baseURL, "REPRISE_GATEWAY_CONFIG": Self.example("gateway-local-openai.json"),
                        "ANTHROPIC_API_KEY": nil, "OPENAI_API_KEY": nil, "DATABASE_URL": nil, "ANTHROPIC_BASE_URL": "http://127.0.0.1:9",
                    ]
                    let dev = ["dev", "--database-url", database.url, "--port", String(port)]
                    return try await CLI.whileRunning(dev, environment: environment, workingDirectory: directory.path, errorLog: log) {
                        try await cli.waitForServer()
                        let trip = try await cli(
                            "workflow", "start", "--type", "TripSaga", "--workflow-id", "trip-obs", "--input-file", Self.example("trip-saga.json"))
                        #expect(trip.code == 0, "\(trip.err)")
                        let lead = try await cli(
                            "workflow", "start", "--type", "LeadNurture", "--workflow-id", "lead-obs", "--input-file", Self.example("lead-nurture.json"))
                        #expect(lead.code == 0, "\(lead.err)")
                        try await Self.waitUntil("the saga closes and the lead's first LLM call is answered") {
                            let closed = try await cli("workflow", "describe", "trip-obs", "-o", "json").json["status"] != .string("Running")
                            return closed && !provider.requests.isEmpty
                        }
                        // A path no route matches is counted, under one label value.
                        let notFound = try await HTTPClient.shared.execute(
                            HTTPClientRequest(url: "http://127.0.0.1:\(port)/no/such/route/\(UUID())"), timeout: .seconds(10))
                        #expect(notFound.status.code == 404)
                        try await Self.waitUntil("the collector receives spans") { !collector.requests.isEmpty }
                        let metrics = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(10))
                        scraped = String(buffer: try await metrics.body.collect(upTo: 1 << 22))
                    }
                }
            }
            #expect(status == .exited(0))

            // Every promised metric, and the 404 under the route label `unmatched`, never its path.
            for name in Self.promised {
                #expect(scraped.contains("\n\(name)") || scraped.hasPrefix(name), "\(name) is not on /metrics")
            }
            #expect(scraped.contains(#"reprise_http_requests_total{route="unmatched",method="GET",status="404"} 1"#), "\(scraped.prefix(2000))")
            #expect(!scraped.contains("/no/such/route"))
            #expect(scraped.contains(#"reprise_workflows_closed_total{workflow_type="TripSaga""#))

            // The provider's request carried a W3C trace context.
            let traceparent = try #require(provider.requests.first?.headers["traceparent"], "\(provider.requests.first?.headers ?? [:])")
            #expect(traceparent.wholeMatch(of: /00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]/) != nil, "\(traceparent)")

            // OTLP/HTTP: protobuf posted to /v1/traces; span names and GenAI attributes are in it as text.
            let exported = collector.requests
            #expect(exported.allSatisfy { $0.path == "/v1/traces" && $0.headers.first { $0.key.lowercased() == "content-type" }?.value == "application/x-protobuf" })
            let spans = exported.map(\.text).joined()
            for expected in [
                "StartWorkflow TripSaga", "RunWorkflowTask TripSaga", "RunActivity trip.book", "RunActivity llm.complete", "gen_ai.request.model",
                "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "reprise.llm.cost_usd",
            ] {
                #expect(spans.contains(expected), "no \(expected) in the exported spans")
            }

            // Every log line is one JSON object with the documented fields.
            let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            #expect(lines.count > 3)
            for line in lines {
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object.map { ["time", "level", "label", "message", "metadata"].allSatisfy($0.keys.contains) } == true, "\(line)")
            }
        }
    }

    @Test(.timeLimit(.minutes(3))) func metricsGoOverOTLPWhenAsked() async throws {
        try await TestDatabase.with(logger: Self.logger) { database in
            let collector = StandInProvider(paths: ["/v1/traces", "/v1/metrics"]) { _, _ in .init(body: .object([:])) }
            let port = 30_000 + Int.random(in: 0..<2_700)
            let cli = CLI(port: port, token: nil)
            let status = try await collector.run {
                let environment: [Environment.Key: String?] = [
                    "OTEL_EXPORTER_OTLP_ENDPOINT": collector.baseURL, "OTEL_METRICS_EXPORTER": "otlp", "OTEL_METRIC_EXPORT_INTERVAL": "300",
                    "DATABASE_URL": nil,
                ]
                let dev = ["dev", "--database-url", database.url, "--port", String(port)]
                return try await CLI.whileRunning(dev, environment: environment, workingDirectory: FileManager.default.temporaryDirectory.path) {
                    try await cli.waitForServer()
                    try await Self.waitUntil("the collector receives the request counter") {
                        collector.requests.contains { $0.path == "/v1/metrics" && $0.text.contains("reprise_http_requests_total") }
                    }
                    // `/metrics` has nothing of its own then: the series went to the collector.
                    let metrics = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(10))
                    let scraped = String(buffer: try await metrics.body.collect(upTo: 1 << 22))
                    #expect(!scraped.contains("reprise_http_requests_total"))
                }
            }
            #expect(status == .exited(0))
        }
    }

    @Test func settingsThatCannotWorkStopTheProcessWithTheReason() async throws {
        for (variable, value, reason) in [
            ("LOG_FORMAT", "xml", "LOG_FORMAT must be text or json"),
            ("OTEL_METRICS_EXPORTER", "otlp", "OTEL_METRICS_EXPORTER=otlp needs OTEL_EXPORTER_OTLP_ENDPOINT"),
            ("OTEL_METRICS_EXPORTER", "statsd", "OTEL_METRICS_EXPORTER must be prometheus or otlp"),
        ] {
            var cli = CLI(port: 9, token: nil)
            cli.environment = [Environment.Key(rawValue: variable)!: value, "OTEL_EXPORTER_OTLP_ENDPOINT": nil]
            let outcome = try await cli.run(["migrate", "--database-url", "postgres://127.0.0.1:9/none"], client: false)
            #expect(outcome.code == 64, "\(variable)=\(value): \(outcome.err)")
            #expect(outcome.err.contains("InvalidObservabilitySettings: \(reason)"), "\(outcome.err)")
        }
    }

    static func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw CLIError(message: "timed out waiting until \(what)")
    }
}
