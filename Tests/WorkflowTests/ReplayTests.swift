import Foundation
import Testing
import Workflow

@Suite("Replay and determinism")
struct ReplayTests {
    /// Drives ParallelThenRace to completion, replaying from scratch after every workflow task.
    @Test func parallelActivitiesThenRaceReplayIdentically() throws {
        let harness = try Harness(ParallelThenRace.self, input: "go")
        var replays = 0
        func assertReplayMatches() throws {
            let fresh = try harness.replayFromScratch()
            fresh.evict()
            replays += 1
        }

        let first = try harness.runWorkflowTask()
        #expect(first.compactMap(\.activityType) == ["Echo", "Charge"])
        try assertReplayMatches()

        harness.builder.completeActivity("1", result: .string("a"))
        #expect(try harness.runWorkflowTask().isEmpty)
        try assertReplayMatches()

        harness.builder.completeActivity("2", result: .string("charged 2"))
        let third = try harness.runWorkflowTask()
        #expect(third == [.startTimer(seq: 1, duration: .seconds(60))])
        try assertReplayMatches()

        harness.builder.signal("approve", input: .string("yes"))
        let last = try harness.runWorkflowTask()
        #expect(last == [.cancelTimer(seq: 1), .completeWorkflow(result: .string("a,charged 2|yes"))])
        #expect(replays == 3)

        // The finished history replays too, and the JSON round trip changes nothing.
        let json = try History(events: harness.builder.events).json()
        let result = try WorkflowReplayer(registry: harness.registry).replay(json: json, runId: "run-1")
        #expect(result.isFinished)
        #expect(result.eventCount == harness.builder.events.count)
    }

    @Test func parallelWorkflowGivesOneCommandOrderIn100Runs() throws {
        var orders: Set<[String]> = []
        for _ in 0..<100 {
            let harness = try Harness(FanOut.self, input: 10)
            let commands = try harness.runWorkflowTask()
            orders.insert(commands.map(\.summary))
            harness.run.evict()
        }
        #expect(orders.count == 1)
        #expect(orders.first?.count == 10)
    }

    @Test func swappedActivitiesAreNonDeterministicAndNameBothSides() throws {
        let harness = try Harness(ChargeThenRefund.self, input: 5)
        try harness.runWorkflowTask()
        harness.builder.completeActivity("1", result: .string("charged 5"))
        try harness.runWorkflowTask()

        let swapped = WorkflowRegistry([RefundThenCharge.self])
        let error = #expect(throws: WorkflowTaskError.self) { try harness.replayFromScratch(using: swapped) }
        #expect(error?.code == .nonDeterminism)
        let message = error?.message ?? ""
        #expect(message.contains("ActivityTaskScheduled"))
        #expect(message.contains("\"activityType\":\"Charge\""))
        #expect(message.contains("ScheduleActivityTask {activityId: \"1\", activityType: \"Refund\"}"))
        #expect(message.contains("wf-1") && message.contains("run-1"))
        #expect(message.contains("patched"))
        #expect(error?.nonDeterminism?.eventId == 5)
    }

    @Test func droppedActivityIsNonDeterministic() throws {
        let harness = try Harness(ChargeThenRefund.self, input: 5)
        try harness.runWorkflowTask()
        harness.builder.completeActivity("1", result: .string("charged 5"))
        try harness.runWorkflowTask()
        harness.builder.completeActivity("2", result: .string("refunded 5"))
        try harness.runWorkflowTask()

        let dropped = WorkflowRegistry([ChargeOnly.self])
        let error = #expect(throws: WorkflowTaskError.self) { try harness.replayFromScratch(using: dropped) }
        #expect(error?.code == .nonDeterminism)
        // History scheduled Refund where the new code completed the workflow.
        #expect(error?.nonDeterminism?.expected?.contains("Refund") == true)
        #expect(error?.nonDeterminism?.emitted == "CompleteWorkflowExecution")
    }

    @Test func patchedIsTrueForNewRunsAndFalseForOldHistories() throws {
        // An old history, recorded before the patch existed.
        let old = try Harness(ChargeThenRefund.self, input: 1)
        try old.runWorkflowTask()
        old.builder.completeActivity("1", result: .string("charged 1"))
        try old.runWorkflowTask()
        old.builder.completeActivity("2", result: .string("refunded 1"))
        try old.runWorkflowTask()

        let patchedRegistry = WorkflowRegistry([ChargeNotifyRefund.self])
        let replayed = try old.replayFromScratch(using: patchedRegistry)
        #expect(replayed.isFinished)
        replayed.evict()

        // A new run takes the patched path and records the marker.
        let new = try Harness(ChargeNotifyRefund.self, input: 1)
        try new.runWorkflowTask()
        new.builder.completeActivity("1", result: .string("charged 1"))
        let commands = try new.runWorkflowTask()
        #expect(commands.first == .recordMarker(.init(name: "Patch", details: ["patchId": .string("v2")])))
        #expect(commands.compactMap(\.activityType) == ["Echo"])
        new.builder.completeActivity("2", result: .string("notify"))
        try new.runWorkflowTask()
        new.builder.completeActivity("3", result: .string("refunded 1"))
        let last = try new.runWorkflowTask()
        #expect(last == [.completeWorkflow(result: .string("charged 1/notify/refunded 1"))])
        // And the new history replays with the patch, taking the same path.
        let fresh = try new.replayFromScratch()
        #expect(fresh.isFinished)
    }

    @Test func deterministicValuesReplayUnchanged() throws {
        let harness = try Harness(DeterministicValues.self, input: 0)
        let commands = try harness.runWorkflowTask()
        guard case .recordMarker(let marker) = commands.first else {
            Issue.record("expected a side-effect marker, got \(commands)")
            return
        }
        #expect(marker.name == "SideEffect")
        harness.builder.now += 30
        harness.builder.completeActivity("1", result: .string("x"))
        let last = try harness.runWorkflowTask()
        guard case .completeWorkflow(let result) = last.last else {
            Issue.record("expected completion, got \(last)")
            return
        }
        let output = try result.decode(as: DeterministicValues.Output.self)
        #expect(output.now == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(try Payload(encoding: output.sideEffect) == marker.details["data"])

        // A second run with the same run id draws the same numbers; another run id does not.
        let twin = try Harness(DeterministicValues.self, input: 0)
        let other = try Harness(DeterministicValues.self, input: 0, runId: "run-2")
        for h in [twin, other] {
            try h.runWorkflowTask()
            h.builder.completeActivity("1", result: .string("x"))
        }
        let twinOutput = try completion(of: try twin.runWorkflowTask()).decode(as: DeterministicValues.Output.self)
        let otherOutput = try completion(of: try other.runWorkflowTask()).decode(as: DeterministicValues.Output.self)
        #expect(twinOutput.random == output.random && twinOutput.uuid == output.uuid)
        #expect(otherOutput.random != output.random && otherOutput.uuid != output.uuid)
        #expect(output.uuid.uuidString.dropFirst(14).first == "4")

        // Replay returns the recorded side effect rather than drawing a new one.
        let fresh = try harness.replayFromScratch()
        #expect(fresh.isFinished)
    }

    @Test func replayerRejectsMalformedHistory() throws {
        let replayer = WorkflowReplayer(registry: WorkflowRegistry([Echoer.self]))
        #expect(throws: PayloadError.self) { try replayer.replay(json: Data("{\"events\": 3}".utf8)) }
        let notStarted = History(events: [
            HistoryEvent(eventId: 1, eventTime: .now, attributes: .workflowTaskScheduled(.init(taskQueue: "q")))
        ])
        let error = #expect(throws: WorkflowTaskError.self) { try replayer.replay(notStarted) }
        #expect(error?.code == .invalidHistory)
        let unknown = History(events: [
            HistoryEvent(
                eventId: 1, eventTime: .now,
                attributes: .workflowExecutionStarted(.init(workflowId: "w", workflowType: "Nope", taskQueue: "q", originalExecutionRunId: "r")))
        ])
        let unknownError = #expect(throws: WorkflowTaskError.self) { try replayer.replay(unknown) }
        #expect(unknownError?.code == .unknownWorkflowType)
        #expect(unknownError?.message.contains("Echoer") == true)
    }

    @Test func historyJSONHasTemporalShape() throws {
        let harness = try Harness(ChargeThenRefund.self, input: 5)
        try harness.runWorkflowTask()
        let json = String(decoding: try History(events: harness.builder.events).json(), as: UTF8.self)
        #expect(json.contains("\"eventType\":\"ActivityTaskScheduled\""))
        #expect(json.contains("\"activityId\":\"1\""))
        #expect(json.contains("\"workflowTaskCompletedEventId\":4"))
        #expect(json.contains("\"eventTime\":\"2023-11-14T22:13:20.000Z\""))
    }

    private func completion(of commands: [Command]) throws -> Payload {
        guard case .completeWorkflow(let result)? = commands.last else { throw SomeBug() }
        return result
    }
}

struct Echoer: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        try await context.execute(Echo.self, input, options: quick)
    }
}
