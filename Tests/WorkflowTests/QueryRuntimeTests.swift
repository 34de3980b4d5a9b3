import Foundation
import RepriseTesting
import Testing
import Workflow

/// Draws from the run's random sequence in its query and after its signal.
private struct Draws: Workflow {
    static let peek = QueryDefinition<NoInput, String>("peek")
    static let record = QueryDefinition<NoInput, Int>("record")
    static let go = SignalDefinition<NoInput>("go")

    func run(context: WorkflowContext, input: Int) async throws -> String {
        context.setQueryHandler(Self.peek) { _ in context.uuid().uuidString }
        context.setQueryHandler(Self.record) { _ in try context.sideEffect { 1 } }
        _ = try await context.waitForSignal(Self.go)
        return context.uuid().uuidString
    }
}

@Suite("Queries in the runtime: read-only, and invisible to the run")
struct QueryRuntimeTests {
    @Test func aQueryThatDrawsRandomnessLeavesTheRunsSequenceAlone() async throws {
        let queried = try WorkflowHarness(Draws.self, input: 0)
        try await queried.runUntilBlocked()
        let first = try queried.query(Draws.peek, NoInput())
        #expect(try queried.query(Draws.peek, NoInput()) == first, "each query starts from the same state")
        try queried.signal(Draws.go, NoInput())
        let afterQueries = try await queried.result(Draws.self)

        let plain = try WorkflowHarness(Draws.self, input: 0)
        try await plain.runUntilBlocked()
        try plain.signal(Draws.go, NoInput())
        #expect(try await plain.result(Draws.self) == afterQueries, "the queries drew nothing from the run's sequence")
        #expect(first == afterQueries, "the query saw the state the run has")
    }

    @Test func aQueryThatRecordsIsRefusedAndUnknownNamesAreListed() async throws {
        let harness = try WorkflowHarness(Draws.self, input: 0)
        try await harness.runUntilBlocked()
        #expect(throws: QueryError(.notReadOnly, "WorkflowContext.sideEffect was called from a query handler; a query only reads the workflow's state, it cannot schedule, wait or record")) {
            try harness.query(Draws.record, NoInput())
        }
        #expect(throws: QueryError(.unknownQuery, "workflow Draws has no query nope; known queries: peek, record")) {
            try harness.query("nope")
        }
        // The refused call left nothing behind: the run completes, and its history replays.
        try harness.signal(Draws.go, NoInput())
        _ = try await harness.result(Draws.self)
        _ = try harness.replayFromScratch()
    }
}
