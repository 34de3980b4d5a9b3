import Foundation
import Logging
import RepriseTesting
import Store
import Testing

/// Namespaces as the Store keeps them: created once, listed by name with their retention, and a
/// name taken or a retention out of range refused with its typed error.
@Suite("Namespaces")
struct NamespaceTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func createListAndRefuseATakenName() async throws {
        try await TestDatabase.with(logger: logger) { database in
            let store = try Store(url: database.url, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.run() }
                defer { group.cancelAll() }
                try await store.migrate()
                try await store.createNamespace("ns-b", retentionDays: 30)
                try await store.createNamespace("ns-a")
                let listed = try await store.namespaces().filter { $0.name.hasPrefix("ns-") }
                #expect(listed.map(\.name) == ["ns-a", "ns-b"])
                #expect(listed.map(\.retentionDays) == [7, 30])
                #expect(try await store.namespaceExists("ns-a"))
                #expect(try await !store.namespaceExists("ns-c"))
                do {
                    try await store.createNamespace("ns-a", retentionDays: 1)
                    Issue.record("a taken name was accepted")
                } catch let error as StoreError {
                    #expect(error.code == .namespaceExists)
                }
                do {
                    try await store.createNamespace("ns-c", retentionDays: 0)
                    Issue.record("a retention of 0 days was accepted")
                } catch let error as StoreError {
                    #expect(error.code == .invalidArgument)
                }
                #expect(try await store.namespaces().first { $0.name == "ns-a" }?.retentionDays == 7)
            }
        }
    }
}
