import Foundation
import Testing
import Workflow

@Suite("Executor, signals, conditions, cancellation")
struct RuntimeTests {
    @Test func taskSleepIsReportedAsAnEscape() throws {
        let harness = try Harness(SleepsWithTaskSleep.self, input: 50)
        let error = #expect(throws: WorkflowTaskError.self) { try harness.runWorkflowTask() }
        #expect(error?.code == .escape)
        #expect(error?.message.contains("not on a WorkflowContext API") == true)
        #expect(error?.message.contains("Task.sleep") == true)
        #expect(harness.eventTypes.last == .workflowTaskFailed)
    }

    @Test func awaitingADetachedTaskIsReportedAsAnEscape() throws {
        let harness = try Harness(AwaitsDetachedTask.self, input: 21)
        let error = #expect(throws: WorkflowTaskError.self) { try harness.runWorkflowTask() }
        #expect(error?.code == .escape)
        #expect(error?.message.contains("Task.detached") == true)
    }

    @Test func hoppingToTheMainActorIsReportedAsAnEscape() throws {
        let harness = try Harness(HopsToMainActor.self, input: 0)
        try harness.runWorkflowTask()
        harness.builder.completeActivity("1", result: .string("before"))
        let error = #expect(throws: WorkflowTaskError.self) { try harness.runWorkflowTask() }
        #expect(error?.code == .escape)
    }

    @Test func signalBeforeTimeoutTakesTheSignalBranch() throws {
        let harness = try Harness(SignalOrTimeout.self, input: 30)
        #expect(try harness.runWorkflowTask() == [.startTimer(seq: 1, duration: .seconds(30))])
        harness.builder.signal("go", input: .string("now"))
        // The timer fires in the same batch, after the signal: history order decides.
        harness.builder.fireTimer("1")
        let commands = try harness.runWorkflowTask()
        #expect(commands == [.completeWorkflow(result: .string("signal:now"))])
        #expect(try harness.replayFromScratch().isFinished)
    }

    @Test func timeoutBeforeSignalTakesTheTimeoutBranch() throws {
        let harness = try Harness(SignalOrTimeout.self, input: 30)
        try harness.runWorkflowTask()
        harness.builder.fireTimer("1")
        harness.builder.signal("go", input: .string("late"))
        let commands = try harness.runWorkflowTask()
        #expect(commands == [.completeWorkflow(result: .string("timeout"))])
    }

    @Test func signalCancelsTheTimeoutTimer() throws {
        let harness = try Harness(SignalOrTimeout.self, input: 30)
        try harness.runWorkflowTask()
        harness.builder.signal("go", input: .string("now"))
        let commands = try harness.runWorkflowTask()
        #expect(commands == [.cancelTimer(seq: 1), .completeWorkflow(result: .string("signal:now"))])
        #expect(try harness.replayFromScratch().isFinished)
    }

    @Test func bufferedSignalIsTakenWithoutATimer() throws {
        let harness = try Harness(SignalOrTimeout.self, input: 30)
        harness.builder.signal("go", input: .string("early"))
        let commands = try harness.runWorkflowTask()
        #expect(commands == [.completeWorkflow(result: .string("signal:early"))])
    }

    @Test func conditionResumesOneWaiterLowestSequenceFirst() throws {
        let harness = try Harness(QueueConsumers.self, input: 0)
        #expect(try harness.runWorkflowTask().isEmpty)
        harness.builder.signal("item", input: .string("x"))
        // One item: exactly one waiter, the first, takes it; the other keeps waiting.
        #expect(try harness.runWorkflowTask().isEmpty)
        harness.builder.signal("item", input: .string("y"))
        let commands = try harness.runWorkflowTask()
        #expect(commands == [.completeWorkflow(result: .array([.string("first:x"), .string("second:y")]))])
        #expect(try harness.replayFromScratch().isFinished)
    }

    @Test func cancellationReachesTheWorkflowAndShieldedCompensationRuns() throws {
        let harness = try Harness(BookWithCompensation.self, input: 7)
        try harness.runWorkflowTask()
        harness.builder.completeActivity("1", result: .string("charged 7"))
        #expect(try harness.runWorkflowTask() == [.startTimer(seq: 1, duration: .seconds(3600))])
        harness.builder.requestCancel(reason: "customer left")
        let commands = try harness.runWorkflowTask()
        #expect(commands.count == 2)
        #expect(commands.first == .cancelTimer(seq: 1))
        #expect(commands.last?.activityType == "Refund")
        harness.builder.completeActivity("2", result: .string("refunded 7"))
        #expect(try harness.runWorkflowTask() == [.cancelWorkflow(details: nil)])
        #expect(harness.closingEvent?.eventType == .workflowExecutionCanceled)
        #expect(try harness.replayFromScratch().isFinished)
    }

    @Test func applicationFailureFailsTheWorkflow() throws {
        let harness = try Harness(FailsWithApplicationFailure.self, input: 3)
        try harness.runWorkflowTask()
        harness.builder.failActivity("1", failure: Failure(message: "card declined", type: "Declined", nonRetryable: true))
        let commands = try harness.runWorkflowTask()
        guard case .failWorkflow(let failure)? = commands.last else {
            Issue.record("expected a failed workflow, got \(commands)")
            return
        }
        #expect(failure.type == "PaymentFailed")
        #expect(failure.message == "payment failed: card declined")
        #expect(failure.nonRetryable)
    }

    @Test func aBugFailsOnlyTheWorkflowTask() throws {
        let harness = try Harness(ThrowsBug.self, input: 0)
        let error = #expect(throws: WorkflowTaskError.self) { try harness.runWorkflowTask() }
        #expect(error?.code == .workflowBug)
        #expect(error?.message.contains("SomeBug") == true)
        #expect(harness.closingEvent == nil)
        #expect(harness.eventTypes.last == .workflowTaskFailed)
    }

    @Test func badInputFailsOnlyTheWorkflowTask() throws {
        struct WantsInt: Workflow {
            func run(context: WorkflowContext, input: Int) async throws -> Int { input }
        }
        // A client started the run with a string where the workflow takes a number.
        var builder = HistoryBuilder(
            started: .init(workflowId: "w", workflowType: "WantsInt", taskQueue: "q", input: .string("seven"), originalExecutionRunId: "r"),
            now: .now)
        builder.startWorkflowTask()
        let error = #expect(throws: WorkflowTaskError.self) {
            try WorkflowReplayer(registry: WorkflowRegistry([WantsInt.self])).replay(History(events: builder.events))
        }
        #expect(error?.code == .workflowBug)
        #expect(error?.message.contains("cannot decode Int") == true)
    }

    @Test func zeroLengthSleepRecordsATimer() throws {
        let harness = try Harness(ZeroSleep.self, input: 0)
        #expect(try harness.runWorkflowTask() == [.startTimer(seq: 1, duration: .zero)])
        harness.builder.fireTimer("1")
        #expect(try harness.runWorkflowTask() == [.completeWorkflow(result: .string("done"))])
    }

    @Test func evictionUnwinds10000ParkedChildTasks() throws {
        weak var weakRun: WorkflowRun?
        do {
            let harness = try Harness(ManyParked.self, input: 10_000)
            #expect(try harness.runWorkflowTask().isEmpty)
            #expect(!harness.run.isUnwound)
            harness.run.evict()
            #expect(harness.run.isUnwound)
            weakRun = harness.run
        }
        // Every task has returned, so nothing holds the run any more.
        #expect(weakRun == nil)
    }

    @Test func aGapInHistoryIsRefused() throws {
        let harness = try Harness(ZeroSleep.self, input: 0)
        try harness.runWorkflowTask()
        let run = harness.run
        let error = #expect(throws: WorkflowTaskError.self) {
            _ = try run.activate(with: [
                HistoryEvent(eventId: 99, eventTime: .now, attributes: .timerFired(.init(timerId: "1", startedEventId: 5)))
            ])
        }
        #expect(error?.code == .invalidHistory)
    }
}
