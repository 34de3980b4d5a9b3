import Foundation
import PostgresNIO

extension GatewayStore {
    /// The columns of a ledger row, for every statement that writes one (the reserve's pending row,
    /// the settle's update, the row of a call that held no reservation): each column's name, its
    /// SQL type and how it is bound from an ``Entry``. The statements take the names, the
    /// placeholders and the binds from this one list, so they cannot disagree and no row's `$n`
    /// is counted by hand. (The Store's `Statement` does the same for the engine's tables, but it
    /// is internal to the Store.)
    enum LedgerColumns {
        struct Column: Sendable {
            var name: String
            var type: String
            var bind: @Sendable (Entry, Date, inout PostgresBindings) -> Void
        }

        static let all: [Column] = [
            .init(name: "at", type: "timestamptz") { _, at, b in b.append(at) },
            .init(name: "namespace", type: "text") { e, _, b in b.append(e.caller.namespace) },
            // The caller's namespace is the tenant.
            .init(name: "tenant", type: "text") { e, _, b in b.append(e.caller.namespace) },
            .init(name: "workflow_id", type: "text") { e, _, b in b.append(e.caller.workflowId) },
            .init(name: "run_id", type: "text") { e, _, b in b.append(e.caller.runId) },
            .init(name: "activity_id", type: "text") { e, _, b in b.append(e.caller.activityId) },
            .init(name: "task_class", type: "text") { e, _, b in b.append(e.taskClass) },
            .init(name: "route", type: "text") { e, _, b in b.append(e.route) },
            .init(name: "provider", type: "text") { e, _, b in b.append(e.provider) },
            .init(name: "model", type: "text") { e, _, b in b.append(e.model) },
            .init(name: "input_tokens", type: "bigint") { e, _, b in b.append(Int64(e.usage.inputTokens)) },
            .init(name: "output_tokens", type: "bigint") { e, _, b in b.append(Int64(e.usage.outputTokens)) },
            .init(name: "cache_read_tokens", type: "bigint") { e, _, b in b.append(Int64(e.usage.cacheReadTokens)) },
            .init(name: "cache_write_5m_tokens", type: "bigint") { e, _, b in b.append(Int64(e.usage.cacheWrite5mTokens)) },
            .init(name: "cache_write_1h_tokens", type: "bigint") { e, _, b in b.append(Int64(e.usage.cacheWrite1hTokens)) },
            .init(name: "usd_nanos", type: "bigint") { e, _, b in b.append(e.usdNanos) },
            .init(name: "latency_ms", type: "int") { e, _, b in b.append(Int32(clamping: e.latencyMs)) },
            .init(name: "cache_hit", type: "bool") { e, _, b in b.append(e.cacheHit) },
            .init(name: "fallback_from", type: "text") { e, _, b in b.append(e.fallbackFrom) },
            .init(name: "outcome", type: "text") { e, _, b in b.append(e.outcome.rawValue) },
            .init(name: "provider_request_id", type: "text") { e, _, b in b.append(e.providerRequestId) },
        ]

        /// `at, namespace, tenant, …`, in the order of the binds.
        static let names = all.map(\.name).joined(separator: ", ")

        /// The row's placeholders in a statement whose row binds start at parameter `first`:
        /// `$first::timestamptz, $(first + 1)::text, …`.
        static func placeholders(from first: Int) -> String {
            all.indices.map { "$\(first + $0)::\(all[$0].type)" }.joined(separator: ", ")
        }

        /// Appends an entry's binds, or a NULL for every column when there is no entry.
        static func bind(_ entry: Entry?, at: Date, to bindings: inout PostgresBindings) {
            for column in all {
                if let entry { column.bind(entry, at, &bindings) } else { bindings.appendNull() }
            }
        }
    }
}
