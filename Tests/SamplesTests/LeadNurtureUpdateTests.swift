import Foundation
import RepriseTesting
@testable import Samples
import Store
import Testing
import Workflow

/// LeadNurture's `state` query and `approveOutreach` update (issue 20).
@Suite("LeadNurture: the state query and the approveOutreach update")
struct LeadNurtureUpdateTests {
    static func input(requireApproval: Bool) -> LeadNurture.Input {
        LeadNurture.Input(lead: LeadNurtureTests.lead, tenant: "acme", maxCostUSD: 1, requireApproval: requireApproval)
    }

    @Test func theFirstEmailWaitsForAnApprovalAndTheStateSaysSo() async throws {
        try await SampleHarness.run(skipTime: false) { env, _ in
            try await env.start(LeadNurture.self, id: "lead-ok", input: Self.input(requireApproval: true))
            try await env.waitUntil("the draft waits for approval", timeout: SampleHarness.patience) {
                (try? await env.query("lead-ok", LeadNurture.stateQuery, NoInput()))?.draftWaiting == true
            }
            let waiting = try await env.query("lead-ok", LeadNurture.stateQuery, NoInput())
            #expect(waiting.stage == "new")
            #expect(waiting.touches == 0)
            #expect(waiting.lastScore == 85)
            #expect(try await LeadNurtureTests.outbox(env, "lead-ok") == 0, "nothing is sent before the approval")

            let answer = try await env.update("lead-ok", LeadNurture.approveOutreach, .init(approver: "grace"), updateId: "approve-1")
            #expect(answer == "approved by grace")
            try await env.waitUntil("the first e-mail is in the outbox", timeout: SampleHarness.patience) {
                try await LeadNurtureTests.outbox(env, "lead-ok") == 1
            }
            try await env.waitUntil("the lead is contacted", timeout: SampleHarness.patience) {
                try await env.query("lead-ok", LeadNurture.stateQuery, NoInput()).stage == "contacted"
            }
            let contacted = try await env.query("lead-ok", LeadNurture.stateQuery, NoInput())
            #expect(contacted.touches == 1)
            #expect(contacted.approvedBy == "grace")
            #expect(contacted.draftWaiting == false)

            // A second approval: no draft waits, so the validator rejects it and history is unchanged.
            let before = try await env.history("lead-ok").count
            await #expect(throws: QueryError.self) {
                _ = try await env.update("lead-ok", LeadNurture.approveOutreach, .init(approver: "grace"))
            }
            #expect(try await env.history("lead-ok").count == before)
            let updates = try await env.history("lead-ok").filter { $0.eventType == .workflowExecutionUpdateCompleted }
            #expect(updates.count == 1)
        }
    }

    @Test func anApprovalWithoutADraftIsRejected() async throws {
        try await SampleHarness.run(skipTime: false) { env, _ in
            try await env.start(LeadNurture.self, id: "lead-free", input: Self.input(requireApproval: false))
            try await env.waitUntil("the first e-mail is in the outbox", timeout: SampleHarness.patience) {
                try await LeadNurtureTests.outbox(env, "lead-free") == 1
            }
            do {
                _ = try await env.update("lead-free", LeadNurture.approveOutreach, .init(approver: "grace"))
                Issue.record("the approval was accepted")
            } catch let error as QueryError {
                #expect(error.code == .rejected)
                #expect(error.message == "no draft is waiting for approval")
            }
            #expect(try await env.history("lead-free").allSatisfy { $0.eventType != .workflowExecutionUpdateAccepted })
        }
    }
}
