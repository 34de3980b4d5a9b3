import Foundation
import Gateway
import RepriseTesting
@testable import Samples
import Store
import Testing
import Workflow

@Suite("LeadNurture")
struct LeadNurtureTests {
    static let lead = Lead(
        name: "Ada Lovelace", email: "ada@acme.example", company: "Acme Analytics",
        message: "We retry failed payments with cron jobs and lose track of them. Can Reprise help?")

    static func input(maxCostUSD: Decimal = 1, maxFollowUps: Int? = nil) -> LeadNurture.Input {
        LeadNurture.Input(lead: lead, tenant: "acme", maxFollowUps: maxFollowUps, maxCostUSD: maxCostUSD)
    }

    static func outbox(_ env: TestEnvironment, _ id: String) async throws -> Int {
        try await SampleHarness.count(env, "SELECT count(*)::int FROM reprise_samples.email_outbox WHERE workflow_id = \(id)")
    }

    /// The workflow ids (with a run per chain member) a list query finds in `default`, sorted.
    static func found(_ env: TestEnvironment, _ query: String) async throws -> [String] {
        try await env.store.listWorkflows(namespace: "default", query: try ListQuery(parsing: query)).workflows.map(\.workflowId).sorted()
    }

    @Test func aLeadThatAsksAQuestionThenBooksAMeeting() async throws {
        try await SampleHarness.run(skipTime: false) { env, llm in
            try await env.start(LeadNurture.self, id: "lead-books", input: Self.input())
            try await env.waitUntil("the first e-mail is in the outbox", timeout: SampleHarness.patience) { try await Self.outbox(env, "lead-books") == 1 }
            try await env.signal("lead-books", "reply", LeadNurture.Reply(text: "Does it run on our own Postgres?"))
            try await env.waitUntil("the answer is in the outbox", timeout: SampleHarness.patience) { try await Self.outbox(env, "lead-books") == 2 }
            try await env.signal("lead-books", "reply", LeadNurture.Reply(text: "Great, let's book a call next week."))
            let outcome = try await env.result(LeadNurture.self, id: "lead-books", timeout: SampleHarness.patience)
            #expect(outcome.result == "MeetingBooked")
            #expect(outcome.emailsSent == 2)
            #expect(outcome.meetingStartsAt != nil)
            // The run upserted its company and each stage: the last one is what a query finds.
            #expect(try await Self.found(env, "company = 'Acme Analytics' AND stage = 'meetingBooked'") == ["lead-books"])
            #expect(try await Self.found(env, "stage IN ('new', 'contacted', 'replied')") == [])
            let stages = try await env.history("lead-books").compactMap { event -> JSONValue? in
                if case .upsertWorkflowSearchAttributes(let upsert) = event.attributes { upsert.searchAttributes["stage"] } else { nil }
            }
            #expect(stages == ["new", "contacted", "replied", "replied", "meetingBooked"].map(JSONValue.string))
            #expect(try await SampleHarness.count(env, "SELECT count(*)::int FROM reprise_samples.calendar_bookings WHERE attendee = 'ada@acme.example'") == 1)

            // Score, research, first e-mail, intent, answer, intent: cheap and frontier routes as configured.
            let models = llm.requests.map { request -> String in
                if case .string(let model)? = request.body["model"] { return model }
                return "-"
            }
            #expect(models == ["claude-haiku-4-5", "claude-sonnet-4-5", "claude-sonnet-4-5", "claude-haiku-4-5", "claude-sonnet-4-5", "claude-haiku-4-5"])
            // Each call's context comes from lead_memory: the answer's prompt carries the question.
            #expect(llm.requests[4].text.contains("Does it run on our own Postgres?"))
            #expect(llm.requests[4].text.contains("Runs payment retries by hand"))
            // Every call was charged to this run.
            let charged = try await SampleHarness.count(
                env, "SELECT count(*)::int FROM reprise.llm_ledger WHERE workflow_id = 'lead-books' AND outcome = 'ok' AND usd_nanos > 0")
            #expect(charged == 6)
        }
    }

    @Test func aLeadThatNeverRepliesGetsTheFollowUpsThenEnds() async throws {
        try await SampleHarness.run { env, _ in
            try await env.start(LeadNurture.self, id: "lead-silent", input: Self.input())
            let outcome = try await env.result(LeadNurture.self, id: "lead-silent", timeout: SampleHarness.patience)
            #expect(outcome == .init(result: "NoReply", score: 85, emailsSent: 3, meetingStartsAt: nil))
            #expect(try await Self.found(env, "stage = 'noReply' AND score >= 85 AND company STARTS_WITH 'Acme'") == ["lead-silent"])
            #expect(try await Self.outbox(env, "lead-silent") == 3)
            // Three reply windows of three days each passed on the virtual clock.
            let fired = try await env.history("lead-silent").filter { $0.eventType == .timerFired }
            #expect(fired.count == 3)
            let elapsed = try await env.describe("lead-silent")
            #expect(elapsed.closeTime!.timeIntervalSince(elapsed.startTime) >= 9 * 86_400)
        }
    }

    @Test func aLeadBelowTheThresholdIsDisqualifiedWithoutAnEmail() async throws {
        try await SampleHarness.run(llm: { call in call.isScore ? "Score: 20" : "unexpected" }) { env, llm in
            try await env.start(LeadNurture.self, id: "lead-poor", input: Self.input())
            let outcome = try await env.result(LeadNurture.self, id: "lead-poor", timeout: SampleHarness.patience)
            #expect(outcome == .init(result: "Disqualified", score: 20, emailsSent: 0, meetingStartsAt: nil))
            #expect(llm.requests.count == 1)
            #expect(try await Self.outbox(env, "lead-poor") == 0)
            #expect(
                try await SampleHarness.count(
                    env, "SELECT count(*)::int FROM reprise_samples.lead_memory WHERE lead_id = 'default/lead-poor' AND kind = 'status' AND content LIKE 'Disqualified%'") == 1)
        }
    }

    @Test func aLeadNotInterestedIsClosed() async throws {
        try await SampleHarness.run(skipTime: false) { env, _ in
            try await env.start(LeadNurture.self, id: "lead-no", input: Self.input())
            try await env.waitUntil("the first e-mail is in the outbox", timeout: SampleHarness.patience) { try await Self.outbox(env, "lead-no") == 1 }
            try await env.signal("lead-no", "reply", LeadNurture.Reply(text: "Thanks, but this is not for us."))
            let outcome = try await env.result(LeadNurture.self, id: "lead-no", timeout: SampleHarness.patience)
            #expect(outcome.result == "Closed")
            #expect(try await SampleHarness.count(env, "SELECT count(*)::int FROM reprise_samples.calendar_bookings") == 0)
        }
    }

    @Test func aLeadOverItsCostCeilingStopsAndDeadLettersTheNextCall() async throws {
        // The score fits under $0.01 (Haiku, 512 tokens at most); research on Sonnet with 4,096
        // tokens could cost $0.06, so the gateway refuses to reserve it.
        try await SampleHarness.run { env, llm in
            try await env.start(LeadNurture.self, id: "lead-costly", input: Self.input(maxCostUSD: 0.01))
            var letters: [DeadLetter] = []
            try await env.waitUntil("a call is dead-lettered", timeout: SampleHarness.patience) {
                letters = try await env.store.deadLetters(namespace: env.namespace)
                return !letters.isEmpty
            }
            #expect(letters.count == 1)
            #expect(letters.first?.activityType == "llm.complete")
            #expect(letters.first?.lastFailure.type == LLMFailure.runCostCeiling)
            #expect(try await env.describe("lead-costly").status == .running)
            #expect(llm.requests.count == 1)
            #expect(try await Self.outbox(env, "lead-costly") == 0)
        }
    }

    @Test func withoutAProviderKeyTheFirstCallIsDeadLetteredAndCanBeRetried() async throws {
        try await SampleHarness.run(anthropicKey: nil) { env, llm in
            try await env.start(LeadNurture.self, id: "lead-keyless", input: Self.input())
            var letters: [DeadLetter] = []
            try await env.waitUntil("the first LLM call is dead-lettered", timeout: SampleHarness.patience) {
                letters = try await env.store.deadLetters(namespace: env.namespace)
                return !letters.isEmpty
            }
            let letter = try #require(letters.first)
            #expect(letter.activityType == "llm.complete")
            #expect(letter.lastFailure.type == LLMFailure.providerNotConfigured)
            #expect(letter.attempts == 1)
            #expect(llm.requests.isEmpty)
            // The call is waiting for a human: a retry runs it again (still without a key, so it comes back).
            try await env.store.retryDeadLetter(namespace: env.namespace, id: letter.id, at: env.clock.now)
            try await env.waitUntil("the retried call is dead-lettered again", timeout: SampleHarness.patience) {
                let pending = try await env.store.deadLetters(namespace: env.namespace)
                let retried = try await env.store.deadLetters(namespace: env.namespace, state: "Retried")
                return pending.count == 1 && retried.count == 1
            }
        }
    }

    @Test func theAnswerParsersReadWhatModelsWrite() {
        #expect(LeadNurture.score(in: "Score: 72/100") == 72)
        #expect(LeadNurture.score(in: "I would say 250, no: 40") == 40)
        #expect(LeadNurture.score(in: "no idea") == nil)
        #expect(LeadNurture.intent(in: "Not interested.") == .notInterested)
        #expect(LeadNurture.intent(in: "interested") == .interested)
        #expect(LeadNurture.intent(in: "Hmm, what about pricing?") == .question)
    }
}
