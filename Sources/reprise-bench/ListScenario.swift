import AsyncHTTPClient
import Foundation
import NIOCore
import PostgresNIO
import Store
import Workflow

/// The console's runs view on a big namespace: `runs` runs seeded in one statement, then the
/// first page of `GET …/workflows` timed over real HTTP, asked for as the console asks for it
/// (`limit=50`, its filters as `status=` and a list `query=`), each `repetitions` times.
struct ListScenario {
    let runs: Int
    let repetitions: Int
    let port: Int
    static let namespace = "listbench"

    /// The pages timed: the unfiltered first page, and the console's filters on it.
    var pages: [(name: String, parameters: [(String, String)])] {
        // The seed's runs start 0.8 s apart, newest now: the range is a quarter of them, in the middle.
        let spread = Double(runs) * 0.8
        return [
            ("first_page", []),
            // A status and an id prefix whose runs are the oldest: the status index is read newest
            // first past every newer failed run before the prefix matches.
            ("status_prefix", [("status", "Failed"), ("query", "WorkflowId STARTS_WITH 'order-099'")]),
            ("attribute", [("query", "customer = 'cus_42'")]),
            ("time_range", [("query", "StartTime > '\(Self.iso(-spread / 2))' AND StartTime < '\(Self.iso(-spread / 4))'")]),
        ]
    }

    func run(_ store: Store) async throws -> [String: JSONValue] {
        let seeding = ContinuousClock.now
        try await seed(store)
        var line: [String: JSONValue] = [
            "scenario": .string("list"), "runs": .int(Int64(runs)), "seed_s": .double((ContinuousClock.now - seeding).seconds),
            "page_size": .int(50), "requests_each": .int(Int64(repetitions)),
        ]
        for (name, parameters) in pages {
            var components = URLComponents(string: "http://127.0.0.1:\(port)/api/v1/namespaces/\(Self.namespace)/workflows")!
            components.queryItems = [URLQueryItem(name: "limit", value: "50")] + parameters.map { URLQueryItem(name: $0.0, value: $0.1) }
            // URLComponents leaves a `+` as is, which a form decoder would read as a space: escape it.
            let url = components.string!.replacingOccurrences(of: "+", with: "%2B")
            _ = try await page(url)  // the connection, and the plan, warm
            var samples: [Double] = []
            var rows = 0
            for _ in 0..<repetitions {
                let begin = ContinuousClock.now
                rows = try await page(url)
                samples.append((ContinuousClock.now - begin).seconds * 1000)
            }
            samples.sort()
            line["\(name)_p50_ms"] = .double(percentile(samples, 50))
            line["\(name)_p99_ms"] = .double(percentile(samples, 99))
            line["\(name)_rows"] = .int(Int64(rows))
        }
        return line
    }

    /// `runs` closed and open runs of three types over the last day, one in ten failed, one in ten
    /// running, each with a `customer` search attribute; then what autovacuum would have done.
    private func seed(_ store: Store) async throws {
        try await store.createNamespace(Self.namespace, retentionDays: 3650)
        try await store.client.query(
            """
            INSERT INTO reprise.workflow_executions (run_id, namespace, workflow_id, workflow_type, task_queue, status, start_time, close_time,
                next_event_id, search_attributes)
            SELECT gen_random_uuid(), \(Self.namespace), 'order-' || lpad(n::text, 6, '0'), (ARRAY['Order', 'Invoice', 'Lead'])[n % 3 + 1], 'bench',
                CASE n % 10 WHEN 0 THEN 'Failed' WHEN 1 THEN 'Running' ELSE 'Completed' END,
                now() - n * interval '800 milliseconds',
                CASE n % 10 WHEN 1 THEN NULL ELSE now() - n * interval '800 milliseconds' + interval '1 second' END,
                4, jsonb_build_object('customer', 'cus_' || (n % 1000))
            FROM generate_series(1, \(runs)) AS n
            """)
        try await store.client.query("VACUUM ANALYZE reprise.workflow_executions")
    }

    /// Fetches a page; answers the number of runs on it.
    private func page(_ url: String) async throws -> Int {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 24)
        guard response.status == .ok else { throw BenchError("list: \(response.status) for \(url): \(String(buffer: body).prefix(300))") }
        guard case .array(let workflows)? = try JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))["workflows"] else {
            throw BenchError("list: no workflows in the answer to \(url)")
        }
        return workflows.count
    }

    private static func iso(_ secondsFromNow: Double) -> String {
        Date().addingTimeInterval(secondsFromNow).formatted(.iso8601)
    }
}
