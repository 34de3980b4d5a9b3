import Foundation
import Store
import Workflow

/// Waits for a `stop` signal, answering the `input` query meanwhile.
struct Watched: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> Int {
        context.setQueryHandler("input", as: NoInput.self) { _ in input }
        _ = try await context.waitForSignal("stop", as: NoInput.self)
        return input
    }
}

extension EngineScenarios {
    /// Queries to a cached run, one at a time through the HTTP API: insert, the worker's answer
    /// from its cache, the notification back (docs/queries.md).
    func queries(port: Int, store: Store) async throws -> [String: JSONValue] {
        let count = quick ? 50 : 1000
        let base = "http://127.0.0.1:\(port)/api/v1/namespaces/default/workflows"
        let id = "watched-\(UUID().uuidString.prefix(8))"
        _ = try await post(base, body: #"{"workflowId":"\#(id)","type":"Watched","taskQueue":"bench","input":7}"#)
        // Cached once its first workflow task has completed.
        while try await store.describe(namespace: "default", workflowId: id).historyLength < 4 {
            try await Task.sleep(for: .milliseconds(10))
        }
        var samples: [Double] = []
        for index in 0...count {
            let begin = ContinuousClock.now
            let text = try await post("\(base)/\(id)/queries/input", body: "null")
            guard (try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)))["result"] == .int(7) else {
                throw BenchError("query answered \(text.prefix(200))")
            }
            if index > 0 { samples.append((ContinuousClock.now - begin).seconds * 1000) }  // The first warms up.
        }
        _ = try await post("\(base)/\(id)/signals/stop", body: "null")
        samples.sort()
        return [
            "scenario": .string("queries"), "queries": .int(Int64(count)), "p50_ms": .double(percentile(samples, 50)),
            "p99_ms": .double(percentile(samples, 99)), "max_ms": .double(samples.last ?? 0),
        ]
    }
}
