import Foundation
import RepriseTesting
import Store
import Testing
import Workers
import Workflow

@Suite("Durable engine on Postgres")
struct EngineTests {
    @Test func threeSequentialActivitiesWriteTheExpectedHistory() async throws {
        let log = CallLog()
        try await TestEnvironment.run(workflows: [ThreeSteps.self], activities: [Greet(log: log)]) { env in
            try await env.start(ThreeSteps.self, id: "three", input: "x")
            let result = try await env.result(ThreeSteps.self, id: "three")
            #expect(result == ["hello x-one", "hello x-two", "hello x-three"])
            let history = try await env.history("three")
            #expect(history.map(\.eventId) == Array(1...Int64(history.count)))
            let types = history.map(\.eventType.rawValue)
            let task = ["WorkflowTaskScheduled", "WorkflowTaskStarted", "WorkflowTaskCompleted"]
            let activity = ["ActivityTaskScheduled", "ActivityTaskStarted", "ActivityTaskCompleted"]
            let expected = ["WorkflowExecutionStarted"] + task + activity + task + activity + task + activity + task
                + ["WorkflowExecutionCompleted"]
            #expect(types == expected)
            #expect(log.count("Greet:x-one") == 1 && log.count("Greet:x-three") == 1)
        }
    }
}
