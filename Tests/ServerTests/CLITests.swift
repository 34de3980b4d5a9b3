import Foundation
import RepriseTesting
import Samples
import Subprocess
import Testing
import TestSupport
import Workflow

@Suite("The reprise CLI over real HTTP")
struct CLITests {
    static let workflows: [any Workflow.Type] = Samples.workflows + [Waiter.self]
    static let activities: [any Activity] = [DemoCharge()]

    /// The README tour's last step: a dead letter retried with new input.
    @Test func theReadmeTour() async throws {
        try await APIHarness.run(workflows: Self.workflows, activities: Self.activities, skipTime: true) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            let started = try await reprise(
                "workflow", "start", "--type", "CardCheckout", "--workflow-id", "order-42",
                "--input", #"{"orderId":"42","card":"4000000000000000","amountCents":1299}"#)
            #expect(started.code == 0, "\(started.err)")
            #expect(started.out.contains("Started workflow order-42"))

            var letterId = ""
            try await api.env.waitUntil("the charge is dead-lettered") {
                let list = try await reprise("dlq", "list", "-o", "json")
                guard case .string(let id)? = list.json["deadLetters"]?.arrayValue.first?["id"] else { return false }
                letterId = id
                return true
            }
            let list = try await reprise("dlq", "list")
            #expect(list.out.contains("payments.demoCharge") && list.out.contains("CardDeclined"))
            let shown = try await reprise("dlq", "show", letterId)
            #expect(shown.out.contains("card ending 0000 was declined"))
            let history = try await reprise("workflow", "show", "order-42")
            #expect(history.out.contains("ActivityTaskScheduled") && history.out.contains("activity=payments.demoCharge"))
            #expect(history.out.contains("ActivityTaskDeadLettered"))

            let retried = try await reprise("dlq", "retry", letterId, "--input", #"{"card":"4242424242424242","amountCents":1299}"#)
            #expect(retried.code == 0, "\(retried.err)")
            #expect(retried.out.contains("Retried"))
            let followed = try await reprise("workflow", "show", "order-42", "-f")
            #expect(followed.code == 0, "\(followed.err)")
            #expect(followed.out.contains("ActivityTaskDeadLetterRetried"))
            #expect(followed.out.contains("WorkflowExecutionCompleted"))
            #expect(followed.out.contains("charged 1299 cents to card ending 4242"))
        }
    }

    @Test func workflowCommands() async throws {
        try await APIHarness.run(workflows: Self.workflows, activities: Self.activities) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            let executed = try await reprise(
                "workflow", "execute", "--type", "CardCheckout", "--workflow-id", "ok-1",
                "--input", #"{"orderId":"1","card":"4242424242424242","amountCents":5}"#)
            #expect(executed.code == 0, "\(executed.err)")
            #expect(executed.out.contains("WorkflowExecutionCompleted"))
            #expect(executed.out.contains("status  Completed"))

            let inputFile = FileManager.default.temporaryDirectory.appendingPathComponent("input-\(UUID()).json").path
            try Data(#""ticket-9""#.utf8).write(to: URL(fileURLWithPath: inputFile))
            #expect(try await reprise("workflow", "start", "--type", "Waiter", "--workflow-id", "wait-1", "--input-file", inputFile).code == 0)
            let described = try await reprise("workflow", "describe", "wait-1", "-o", "json")
            #expect(described.json["status"] == .string("Running"))
            #expect(described.json["input"] == .string("ticket-9"))
            let signaled = try await reprise("workflow", "signal", "wait-1", "--name", "approve", "--input", #""yes""#)
            #expect(signaled.code == 0)
            try await api.env.waitUntil("wait-1 completes") { try await api.env.describe("wait-1").status == .completed }
            let text = try await reprise("workflow", "describe", "wait-1")
            #expect(text.out.contains("Completed") && text.out.contains("ticket-9: yes"))

            #expect(try await reprise("workflow", "start", "--type", "Waiter", "--workflow-id", "c-1", "--input", #""x""#).code == 0)
            #expect(try await reprise("workflow", "cancel", "c-1").code == 0)
            #expect(try await reprise("workflow", "start", "--type", "Waiter", "--workflow-id", "term-1", "--input", #""x""#).code == 0)
            #expect(try await reprise("workflow", "terminate", "term-1", "--reason", "test").code == 0)
            #expect(try await api.env.describe("term-1").status == .terminated)
            try await api.env.waitUntil("c-1 is canceled") { try await api.env.describe("c-1").status == .canceled }

            let listed = try await reprise("workflow", "list", "--status", "Completed")
            #expect(listed.out.contains("ok-1") && listed.out.contains("wait-1") && !listed.out.contains("term-1"))
            let listedJSON = try await reprise("workflow", "list", "--type", "Waiter", "-o", "json")
            #expect(listedJSON.json["workflows"]?.arrayValue.count == 3)

            // `execute` exits non-zero when the run does not complete: terminate it while it follows.
            async let followed = reprise("workflow", "execute", "--type", "Waiter", "--workflow-id", "t-2", "--input", #""x""#)
            try await api.env.waitUntil("t-2 runs") { ((try? await api.env.describe("t-2"))?.historyLength ?? 0) >= 4 }
            let terminated = try await reprise("workflow", "terminate", "t-2", "--reason", "stop")
            #expect(terminated.code == 0, "\(terminated.err)")
            let outcome = try await followed
            #expect(outcome.code != 0)
            #expect(outcome.out.contains("WorkflowExecutionTerminated"))
            #expect(outcome.err.contains("ended Terminated"))
        }
    }

    @Test func dlqNamespaceAndTokenCommands() async throws {
        try await APIHarness.run(workflows: Self.workflows, activities: Self.activities, skipTime: true) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            for id in ["f-1", "r-1"] {
                #expect(
                    try await reprise(
                        "workflow", "start", "--type", "CardCheckout", "--workflow-id", id,
                        "--input", #"{"orderId":"\#(id)","card":"5555000000000000","amountCents":1}"#
                    ).code == 0)
            }
            var letters: [String: String] = [:]
            try await api.env.waitUntil("two dead letters") {
                let list = try await reprise("dlq", "list", "-o", "json")
                for letter in list.json["deadLetters"]?.arrayValue ?? [] {
                    if case .string(let workflowId)? = letter["workflowId"], case .string(let id)? = letter["id"] { letters[workflowId] = id }
                }
                return letters.count == 2
            }
            #expect(try await reprise("dlq", "fail", letters["f-1"]!, "--message", "refunded by phone").code == 0)
            #expect(try await reprise("dlq", "resolve", letters["r-1"]!, "--result", #""settled offline""#).code == 0)
            #expect(try await api.env.waitForClose("f-1").status == .failed)
            #expect(try await api.env.result(CardCheckout.self, id: "r-1") == "order r-1: settled offline")
            let handled = try await reprise("dlq", "list", "--state", "All")
            #expect(handled.out.contains("f-1") && handled.out.contains("r-1"))

            #expect(try await reprise("namespace", "create", "billing", "--retention-days", "30").code == 0)
            let namespaces = try await reprise("namespace", "list")
            #expect(namespaces.out.contains("billing") && namespaces.out.contains("30"))

            let viaAPI = try await reprise("token", "create", "--namespace", "billing", "--role", "reader")
            #expect(viaAPI.code == 0 && viaAPI.out.hasPrefix("rp_"))
            let reader = CLI(port: api.client.port!, token: viaAPI.out.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(try await reader("workflow", "list", "-n", "billing").code == 0)
            let denied = try await reader("workflow", "start", "--type", "Waiter", "-n", "billing")
            #expect(denied.code != 0 && denied.err.contains("Forbidden"))

            let direct = try await reprise.run(
                ["token", "create", "--namespace", "billing", "--role", "writer", "--database-url", api.env.databaseURL], client: false)
            #expect(direct.code == 0 && direct.out.hasPrefix("rp_"), "\(direct.err)")
            let writer = CLI(port: api.client.port!, token: direct.out.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(try await writer("workflow", "start", "--type", "Waiter", "-n", "billing", "--input", #""x""#).code == 0)
        }
    }

    @Test func errorsAreOneLineAndNonZero() async throws {
        try await APIHarness.run(workflows: Self.workflows, activities: Self.activities) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            let missing = try await reprise("workflow", "describe", "nope")
            #expect(missing.code != 0)
            #expect(missing.err.contains("WorkflowNotFound"))
            #expect(missing.err.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1)
            let badJSON = try await reprise("workflow", "start", "--type", "Waiter", "--input", "{not json")
            #expect(badJSON.code != 0 && badJSON.err.contains("--input is not valid JSON"))
            let anonymous = CLI(port: api.client.port!, token: nil)
            let unauthorized = try await anonymous("workflow", "list")
            #expect(unauthorized.code != 0 && unauthorized.err.contains("Unauthorized"))
            let nowhere = CLI(port: 1, token: nil)
            let unreachable = try await nowhere("workflow", "list")
            #expect(unreachable.code != 0 && unreachable.err.contains("cannot reach"))
        }
    }
}
