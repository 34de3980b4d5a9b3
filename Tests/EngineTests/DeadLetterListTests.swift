import Foundation
import RepriseTesting
import Store
import Testing
import Workers
import Workflow

/// The dead-letter list's filters: by state (or all, with nil) and a keyset cursor on
/// (dead_at, id), newest first. Pins the one prepared statement that serves every combination
/// (`DeadLettersTable.List`), whose absent filters are bound as typed NULLs.
@Suite("Dead-letter list")
struct DeadLetterListTests {
    @Test func listsByStateAndPagesWithTheCursor() async throws {
        let log = CallLog()
        try await TestEnvironment.run(workflows: [RetryPolicyWorkflow.self], activities: [Flaky(log: log) { Date() }]) { env in
            let ids = ["dl-a", "dl-b", "dl-c"]
            for id in ids {
                try await env.start(
                    RetryPolicyWorkflow.self, id: id,
                    input: .init(failures: 9, errorType: "Transient", deadLetter: true, maximumAttempts: 1))
            }
            var pending: [DeadLetter] = []
            try await env.waitUntil("three dead letters") {
                pending = try await env.store.deadLetters(namespace: env.namespace)
                return pending.count == 3
            }
            #expect(Set(pending.map(\.workflowId)) == Set(ids))
            #expect(pending.allSatisfy { $0.state == "Pending" && $0.handledAt == nil })
            // Newest first, ties broken by id, also descending.
            let keys = pending.map { ($0.deadAt, $0.id.uuidString.lowercased()) }
            #expect(zip(keys, keys.dropFirst()).allSatisfy { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 > $1.1) })

            // One page at a time, each after the last one's (dead_at, id).
            var paged: [DeadLetter] = []
            var cursor: (Date, UUID)?
            for _ in 0..<4 {
                let page = try await env.store.deadLetters(namespace: env.namespace, limit: 1, after: cursor)
                guard let last = page.last else { break }
                #expect(page.count == 1)
                paged += page
                cursor = (last.deadAt, last.id)
            }
            #expect(paged.map(\.id) == pending.map(\.id))

            // A handled letter leaves the Pending list and shows under its state and under all.
            let retried = pending[1]
            try await env.store.retryDeadLetter(
                namespace: env.namespace, id: retried.id, input: try Payload(encoding: Flaky.Input(failures: 0, errorType: "Transient")),
                identity: "operator", at: env.clock.now)
            #expect(try await env.store.deadLetters(namespace: env.namespace).map(\.id) == [pending[0].id, pending[2].id])
            let handled = try await env.store.deadLetters(namespace: env.namespace, state: "Retried")
            #expect(handled.map(\.id) == [retried.id])
            #expect(handled.first?.handledAt != nil)
            #expect(try await env.store.deadLetters(namespace: env.namespace, state: nil).count == 3)
            #expect(try await env.store.deadLetters(namespace: env.namespace, state: "Resolved").isEmpty)
            // Another namespace sees none of them.
            try await env.store.createNamespace("dl-other")
            #expect(try await env.store.deadLetters(namespace: "dl-other", state: nil).isEmpty)
        }
    }
}
