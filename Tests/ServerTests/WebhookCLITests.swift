import Foundation
import HTTPTypes
import RepriseTesting
import Testing
import TestSupport
import Workflow

@testable import Server

/// `reprise workflow signal-with-start` and `reprise webhook`, as real processes over real HTTP.
@Suite struct WebhookCLITests {
    @Test func signalWithStartStartsThenSignals() async throws {
        try await APIHarness.run { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("signal-\(UUID()).json").path
            try Data(#""ping""#.utf8).write(to: URL(fileURLWithPath: file))
            let started = try await reprise(
                "workflow", "signal-with-start", "cli-1", "--type", "Waiter", "--name", "ping", "--signal-input-file", file, "--input", #""x""#)
            #expect(started.code == 0, "\(started.err)")
            #expect(started.out.contains("Started workflow cli-1"), "\(started.out)")
            let signaled = try await reprise(
                "workflow", "signal-with-start", "cli-1", "--type", "Waiter", "--name", "approve", "--signal-input", #""yes""#, "-o", "json")
            #expect(signaled.code == 0, "\(signaled.err)")
            #expect(signaled.json["started"] == .bool(false) && signaled.json["runId"] != nil, "\(signaled.out)")
            try await api.env.waitUntil("the run completes") { try await api.env.describe("cli-1").status == .completed }
            #expect(try await api.env.describe("cli-1").result == .string("x: yes"))
            let signals = try await api.env.history("cli-1").filter { $0.eventType == .workflowExecutionSignaled }
            #expect(signals.count == 2)

            let both = try await reprise(
                "workflow", "signal-with-start", "cli-2", "--type", "Waiter", "--name", "n", "--signal-input", "1", "--signal-input-file", file)
            #expect(both.code != 0 && both.err.contains("--signal-input"), "\(both.err)")
            let badJSON = try await reprise("workflow", "signal-with-start", "cli-2", "--type", "Waiter", "--name", "n", "--signal-input", "{")
            #expect(badJSON.code != 0 && badJSON.err.contains("--signal-input"), "\(badJSON.err)")
        }
    }

    /// A bad mapping file stops `reprise server` before it touches the database, naming the key.
    @Test func aBadMappingFileStopsTheServerNamingTheKey() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mappings-\(UUID()).json").path
        try Data(#"{"sources":{"stripe":{"scheme":"stripe","events":{"invoice.paid":{"workflowId":"sub-{data","signal":"paid"}}}}}"#.utf8)
            .write(to: URL(fileURLWithPath: file))
        let cli = CLI(port: 1, token: nil)
        let outcome = try await cli.run(
            ["server", "--webhook-mappings", file, "--insecure", "--bind", "127.0.0.1:1", "--database-url", "postgres://postgres@127.0.0.1:1/none"],
            client: false)
        #expect(outcome.code != 0)
        #expect(outcome.err.contains("sources.stripe.events.invoice.paid.workflowId"), "\(outcome.err)")
        let missing = try await cli.run(["server", "--webhook-mappings", "/nonexistent/m.json", "--insecure", "--database-url", "postgres://postgres@127.0.0.1:1/none"], client: false)
        #expect(missing.code != 0 && missing.err.contains("/nonexistent/m.json"), "\(missing.err)")
    }

    @Test func webhookListShowAndRetry() async throws {
        try await WebhookTests.run { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            let body = WebhookTests.invoice("evt_cli", subscription: "cli")
            let posted = try await api.send(
                .post, "\(WebhookTests.base)/webhooks/stripe", token: .some(nil), body: body,
                headers: WebhookTests.stripeHeaders(WebhookTests.stripeSignature(body)))
            #expect(posted.status == 202)
            guard case .string(let id)? = posted.json["deliveryId"] else {
                Issue.record("no delivery id: \(posted.text)")
                return
            }
            let list = try await reprise("webhook", "list")
            #expect(list.code == 0 && list.out.contains(id) && list.out.contains("evt_cli") && list.out.contains("DeadLettered"), "\(list.out)")
            let shown = try await reprise("webhook", "show", id)
            #expect(shown.out.contains("in_evt_cli"), "\(shown.out)")
            let early = try await reprise("webhook", "retry", id)
            #expect(early.code != 0 && early.err.contains("WebhookUnroutable"), "\(early.err)")

            #expect(try await api.send(.post, "\(WebhookTests.base)/workflows", body: #"{"workflowId":"sub-cli","type":"Waiter","input":"x"}"#).status == 201)
            let retried = try await reprise("webhook", "retry", id)
            #expect(retried.code == 0 && retried.out.contains("Delivered webhook \(id)"), "\(retried.out) \(retried.err)")
            let empty = try await reprise("webhook", "list", "-o", "json")
            #expect(empty.json["deliveries"]?.arrayValue.isEmpty == true, "\(empty.out)")
            #expect(try await reprise("webhook", "list", "--state", "All", "-o", "json").json["deliveries"]?.arrayValue.count == 1)
        }
    }
}
