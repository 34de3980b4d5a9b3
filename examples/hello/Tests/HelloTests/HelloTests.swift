import HelloWorkflows
import RepriseTesting
import Testing
import Workflow

/// `Hello` with its activity mocked: in memory, no database needed.
@Suite struct HelloTests {
    @Test func helloReturnsWhatGreetAnswersForTheName() async throws {
        let greet = MockActivity(Greet.self) { greeting in "Hi \(greeting.name), from the mock" }
        let harness = try WorkflowHarness(Hello.self, input: Greeting(name: "Ada"), activities: [greet])
        #expect(try await harness.result(Hello.self) == "Hi Ada, from the mock")
        #expect(greet.calls == [Greeting(name: "Ada")])
    }

    @Test func aGreetThatFailsFailsTheWorkflowWithItsFailure() async throws {
        let greet = MockActivity.failing(with: ApplicationFailure("no greetings today", type: "Closed", nonRetryable: true), for: Greet.self)
        let harness = try WorkflowHarness(Hello.self, input: Greeting(name: "Ada"), activities: [greet])
        let error = await #expect(throws: WorkflowHarnessError.self) { try await harness.result(Hello.self) }
        #expect(error?.failure?.cause?.type == "Closed")
    }

    @Test func theRealActivityGreetsByName() async throws {
        #expect(try await Greet().run(input: Greeting(name: "Ada")) == "Hello, Ada!")
    }
}

/// `Hello` on a real worker and Postgres, with the time-skipping environment. It needs
/// `REPRISE_TEST_DATABASE_URL` (scripts/example-hello.sh sets it) and fails without it.
@Suite struct HelloOnPostgresTests {
    @Test func helloRunsOnARealWorker() async throws {
        try await TestEnvironment.run(workflows: [Hello.self], activities: [Greet()]) { env in
            try await env.start(Hello.self, id: "hello-ada", input: Greeting(name: "Ada"))
            #expect(try await env.result(Hello.self, id: "hello-ada") == "Hello, Ada!")
        }
    }
}
