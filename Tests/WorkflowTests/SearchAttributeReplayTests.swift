import Foundation
import Testing
import Workflow

/// An upsert is a command: it replays against its `UpsertWorkflowSearchAttributes` event, other
/// attributes are non-determinism, and `patched` lets an old history replay under code that upserts.
@Suite("Search attributes in replay")
struct SearchAttributeReplayTests {
    @Test func upsertsReplayAgainstTheirEvents() throws {
        let harness = try Harness(Staged.self, input: "Acme")
        let first = try harness.runWorkflowTask()
        #expect(first == [.upsertSearchAttributes(["company": .string("Acme"), "stage": .string("new")])])
        harness.builder.signal("stage", input: .string("qualified"))
        let second = try harness.runWorkflowTask()
        #expect(second.first == .upsertSearchAttributes(["stage": .string("qualified")]))
        #expect(second.last == .completeWorkflow(result: .string("qualified")))
        #expect(harness.builder.events.filter { $0.eventType == .upsertWorkflowSearchAttributes }.count == 2)
        #expect(EventType.upsertWorkflowSearchAttributes.isCommandEvent)

        let json = try History(events: harness.builder.events).json()
        let replayed = try WorkflowReplayer(registry: harness.registry).replay(json: json, runId: "run-1")
        #expect(replayed.isFinished)
    }

    @Test func otherAttributesAreNonDeterministic() throws {
        let harness = try Harness(Staged.self, input: "Acme")
        try harness.runWorkflowTask()
        let error = #expect(throws: WorkflowTaskError.self) { try harness.replayFromScratch(using: WorkflowRegistry([StagedOtherwise.self])) }
        #expect(error?.code == .nonDeterminism)
        #expect(error?.nonDeterminism?.emitted?.contains("UpsertWorkflowSearchAttributes") == true)
        #expect(error?.nonDeterminism?.expected?.contains("\"company\":\"Acme\"") == true)
    }

    @Test func anOldHistoryReplaysUnderAPatchedUpsert() throws {
        let old = try Harness(Unstaged.self, input: "Acme")
        try old.runWorkflowTask()
        old.builder.signal("stage", input: .string("qualified"))
        try old.runWorkflowTask()
        let replayed = try old.replayFromScratch(using: WorkflowRegistry([StagedBehindPatch.self]))
        #expect(replayed.isFinished)
        replayed.evict()

        let new = try Harness(StagedBehindPatch.self, input: "Acme")
        let commands = try new.runWorkflowTask()
        #expect(commands.last == .upsertSearchAttributes(["company": .string("Acme")]))
    }

    @Test func aNameOutOfBoundsFailsTheWorkflowTaskNotTheRun() throws {
        for (input, problem) in [
            ("WorkflowId", "is a field of every run"), ("", "a search attribute name is empty"),
            (String(repeating: "n", count: 256), "longer than 255 bytes"), ("too-many", "at most 100 are allowed"),
        ] {
            let harness = try Harness(BadUpsert.self, input: input)
            let error = #expect(throws: WorkflowTaskError.self) { try harness.runWorkflowTask() }
            #expect(error?.code == .workflowBug)
            #expect(error?.message.contains(problem) == true, "\(error?.message ?? "")")
        }
    }
}

/// Upserts the attribute its input names, or 101 attributes for "too-many".
struct BadUpsert: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        let attributes = input == "too-many" ? Dictionary(uniqueKeysWithValues: (0...100).map { ("a\($0)", SearchAttributeValue.int(Int64($0))) }) : [input: .bool(true)]
        try context.upsertSearchAttributes(attributes)
        return input
    }
}

/// Upserts its company and a first stage, then the stage it is signalled.
struct Staged: Workflow {
    static let name = "Staged"
    func run(context: WorkflowContext, input: String) async throws -> String {
        try context.upsertSearchAttributes(["company": .string(input), "stage": .string("new")])
        let stage = try await context.waitForSignal("stage", as: String.self) ?? ""
        try context.upsertSearchAttributes(["stage": .string(stage)])
        return stage
    }
}

/// Staged, changed to upsert another company: not what its histories recorded.
struct StagedOtherwise: Workflow {
    static let name = "Staged"
    func run(context: WorkflowContext, input: String) async throws -> String {
        try context.upsertSearchAttributes(["company": .string(input.uppercased()), "stage": .string("new")])
        return try await context.waitForSignal("stage", as: String.self) ?? ""
    }
}

/// A workflow before it upserted anything.
struct Unstaged: Workflow {
    static let name = "Unstaged"
    func run(context: WorkflowContext, input: String) async throws -> String {
        try await context.waitForSignal("stage", as: String.self) ?? ""
    }
}

/// Unstaged with an upsert added behind `patched`.
struct StagedBehindPatch: Workflow {
    static let name = "Unstaged"
    func run(context: WorkflowContext, input: String) async throws -> String {
        if context.patched("search-attributes") { try context.upsertSearchAttributes(["company": .string(input)]) }
        return try await context.waitForSignal("stage", as: String.self) ?? ""
    }
}
