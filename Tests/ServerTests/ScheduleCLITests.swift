import Foundation
import RepriseTesting
import Samples
import Subprocess
import Testing
import TestSupport
import Workflow

@Suite("reprise schedule, over real HTTP")
struct ScheduleCLITests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("workflows/examples/schedule-lead-digest.json").path

    /// The example definition, created with the CLI, starts a run that completes on its first tick.
    @Test func theLeadDigestExampleStartsARunEveryMinute() async throws {
        try await APIHarness.run(workflows: CLITests.workflows, activities: CLITests.activities) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            let created = try await reprise("schedule", "create", "--file", Self.example)
            #expect(created.code == 0 && created.out.contains("Created schedule lead-digest"), "\(created.err)")
            let described = try await reprise("schedule", "describe", "lead-digest", "-o", "json")
            let next = try #require(described.json["info"]?["nextActionTimes"]?.arrayValue.first.flatMap { value -> Date? in
                guard case .string(let text) = value else { return nil }
                return try? Date(text, strategy: .iso8601)
            })
            api.env.clock.advance(to: next.addingTimeInterval(0.01))
            try await api.env.waitUntil("the tick's run completes") {
                let runs = try await api.env.store.listWorkflows(namespace: "default", status: .completed).workflows
                return runs.contains { $0.workflowId.hasPrefix("lead-digest-") }
            }
            let text = try await reprise("schedule", "describe", "lead-digest")
            #expect(text.out.contains("Recent actions") && text.out.contains("lead-digest-"), "\(text.out)")
        }
    }

    @Test func everySubcommandAndItsErrors() async throws {
        try await APIHarness.run(workflows: CLITests.workflows, activities: CLITests.activities) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            let created = try await reprise(
                "schedule", "create", "nightly", "--interval", "1h", "--type", "Waiter", "--input", #""x""#, "--overlap-policy", "AllowAll",
                "-o", "json")
            #expect(created.code == 0 && created.json["scheduleId"] == .string("nightly"), "\(created.err)")
            let listed = try await reprise("schedule", "list")
            #expect(listed.out.contains("nightly") && listed.out.contains("Waiter"), "\(listed.out)")
            #expect(try await reprise("schedule", "pause", "nightly", "--note", "holiday").code == 0)
            let paused = try await reprise("schedule", "describe", "nightly", "-o", "json")
            #expect(paused.json["state"]?["paused"] == .bool(true) && paused.json["state"]?["note"] == .string("holiday"))
            #expect(try await reprise("schedule", "unpause", "nightly").code == 0)
            let triggered = try await reprise("schedule", "trigger", "nightly")
            #expect(triggered.code == 0 && triggered.out.contains("Started workflow nightly-"), "\(triggered.out) \(triggered.err)")
            let backfilled = try await reprise(
                "schedule", "backfill", "nightly", "--start-time", "2024-01-01T00:00:00Z", "--end-time", "2024-01-01T02:00:00Z", "-o", "json")
            #expect(backfilled.json["started"]?.arrayValue.count == 3, "\(backfilled.out) \(backfilled.err)")
            #expect(try await reprise("schedule", "delete", "nightly").code == 0)

            // Errors are the server's message and a non-zero exit, never a crash.
            let missing = try await reprise("schedule", "describe", "nightly")
            #expect(missing.code != 0 && missing.err.contains("ScheduleNotFound"), "\(missing.err)")
            let badSpec = try await reprise("schedule", "create", "bad", "--interval", "0s", "--type", "Waiter")
            #expect(badSpec.code != 0 && badSpec.err.contains("spec.interval"), "\(badSpec.err)")
            let noSpec = try await reprise("schedule", "create", "bad", "--type", "Waiter")
            #expect(noSpec.code != 0 && noSpec.err.contains("--cron or --interval"), "\(noSpec.err)")
            let badInput = try await reprise("schedule", "create", "bad", "--interval", "1m", "--type", "Waiter", "--input", "{oops")
            #expect(badInput.code != 0 && badInput.err.contains("--input"), "\(badInput.err)")
        }
    }
}
