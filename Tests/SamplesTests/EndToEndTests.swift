import Foundation
import Logging
import RepriseTesting
import Subprocess
import Testing
import TestSupport
import Workflow

/// The samples as a user meets them: `reprise dev` as a process, each sample started by the CLI
/// from its example in `workflows/examples/`, and the README tour's dead-letter round trip.
@Suite("The samples end to end")
struct EndToEndTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("workflows/examples")

    static func example(_ name: String) -> String { examples.appendingPathComponent(name).path }

    /// Nothing from the developer's shell may configure a provider: the samples must run as shipped.
    static let unconfigured: [Environment.Key: String?] = [
        "ANTHROPIC_API_KEY": nil, "OPENAI_API_KEY": nil, "OPENAI_BASE_URL": nil, "STRIPE_API_KEY": nil, "REPRISE_EMAIL_API_KEY": nil,
        "REPRISE_GATEWAY_CONFIG": nil, "DATABASE_URL": nil,
        // No key, and a provider address that refuses at once, whatever this machine's network is.
        "ANTHROPIC_BASE_URL": "http://127.0.0.1:9",
    ]

    func pendingLLMDeadLetter(_ cli: CLI) async throws -> String? {
        let listed = try await cli("dlq", "list", "-o", "json")
        let letters = listed.json["deadLetters"]?.arrayValue ?? []
        for letter in letters where letter["activityType"] == .string("llm.complete") {
            if case .string(let id)? = letter["id"] { return id }
        }
        return nil
    }

    func waitUntil(_ what: String, timeout: Duration = SampleHarness.patience, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw CLIError(message: "timed out waiting until \(what)")
    }

    @Test(.timeLimit(.minutes(5))) func everySampleRunsFromItsExampleUnderRepriseDev() async throws {
        try await TestDatabase.with(logger: SampleHarness.logger) { database in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-e2e-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(".reprise/media"), withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            // The clip the VideoTranscode example names, relative to the default media root under where `reprise dev` runs.
            try await SampleHarness.makeClip(
                at: directory.appendingPathComponent(".reprise/media/clip.mp4").path, width: 640, height: 360, seconds: 4)

            let port = 30_000 + Int.random(in: 0..<2_700)  // between the test clusters (10,000–29,999) and the ephemeral range
            let cli = CLI(port: port, token: nil)
            let dev = ["dev", "--database-url", database.url, "--port", String(port)]

            // 1. No configuration at all.
            let first = try await CLI.whileRunning(dev, environment: Self.unconfigured, workingDirectory: directory.path) {
                try await cli.waitForServer()
                let lead = try await cli(
                    "workflow", "start", "--type", "LeadNurture", "--workflow-id", "lead-demo", "--input-file", Self.example("lead-nurture.json"))
                #expect(lead.code == 0, "\(lead.err)")

                let trip = try await cli(
                    "workflow", "execute", "--type", "TripSaga", "--workflow-id", "trip-demo", "--input-file", Self.example("trip-saga.json"))
                #expect(trip.code != 0, "a trip with a sold-out car fails")
                #expect(trip.out.contains("WorkflowExecutionFailed"))
                #expect(trip.out.contains("canceled hotel NYC-MIDTOWN"))

                // The example's card declines; a new one, sent while the run waits to retry, is charged at once.
                let dunning = try await cli(
                    "workflow", "start", "--type", "SubscriptionDunning", "--workflow-id", "sub-demo", "--input-file",
                    Self.example("subscription-dunning.json"))
                #expect(dunning.code == 0, "\(dunning.err)")
                try await waitUntil("the first charge is declined and the run waits") {
                    !(try await cli("workflow", "describe", "sub-demo", "-o", "json").json["pendingTimers"]?.arrayValue.isEmpty ?? true)
                }
                let updated = try await cli(
                    "workflow", "signal", "sub-demo", "--name", "paymentMethodUpdated", "--input", #"{"paymentSource":"tok_visa"}"#)
                #expect(updated.code == 0, "\(updated.err)")
                try await waitUntil("the subscription is paid") {
                    try await cli("workflow", "describe", "sub-demo", "-o", "json").json["result"]?["status"] == .string("paid")
                }
                // Two attempts: the new card was charged when it arrived, not after the wait.
                #expect(try await cli("workflow", "describe", "sub-demo", "-o", "json").json["result"]?["attempts"] == .int(2))

                let video = try await cli(
                    "workflow", "execute", "--type", "VideoTranscode", "--workflow-id", "video-demo", "--input-file", Self.example("video-transcode.json"))
                #expect(video.code == 0, "\(video.err)\(video.out)")
                #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(".reprise/media/published/demo-clip/master.m3u8").path))

                // The lead's first LLM call cannot reach a model, so after its retries it waits for a human.
                try await waitUntil("LeadNurture dead-letters its first LLM call") { try await pendingLLMDeadLetter(cli) != nil }
                #expect(try await cli("workflow", "describe", "lead-demo", "-o", "json").json["status"] == .string("Running"))
            }
            #expect(first == .exited(0))

            // 2. Point the gateway at a local OpenAI-compatible server and retry the call.
            let local = StandInProvider { received, _ in
                .init(body: StandInProvider.openAI(text: LLMCall.enthusiastic(LLMCall(received)), prompt: 100, cached: 0, completion: 40))
            }
            try await local.run {
                var environment = Self.unconfigured
                environment["OPENAI_BASE_URL"] = local.baseURL
                environment["REPRISE_GATEWAY_CONFIG"] = Self.example("gateway-local-openai.json")
                let second = try await CLI.whileRunning(dev, environment: environment, workingDirectory: directory.path) {
                    try await cli.waitForServer()
                    let id = try #require(try await pendingLLMDeadLetter(cli))
                    let retried = try await cli("dlq", "retry", id)
                    #expect(retried.code == 0, "\(retried.err)")
                    let outbox = ["outbox", "list", "--database-url", database.url, "--workflow-id", "lead-demo", "-o", "json"]
                    try await waitUntil("the first e-mail is in the outbox") {
                        (try await cli.run(outbox, client: false).json["messages"]?.arrayValue.count ?? 0) == 1
                    }
                    let signaled = try await cli("workflow", "signal", "lead-demo", "--name", "reply", "--input", #"{"text":"Yes, let's talk next week."}"#)
                    #expect(signaled.code == 0, "\(signaled.err)")
                    try await waitUntil("the lead books a meeting") {
                        try await cli("workflow", "describe", "lead-demo", "-o", "json").json["status"] == .string("Completed")
                    }
                    let described = try await cli("workflow", "describe", "lead-demo", "-o", "json")
                    #expect(described.json["result"]?["result"] == .string("MeetingBooked"))

                    let table = try await cli.run(["outbox", "list", "--database-url", database.url], client: false)
                    #expect(table.code == 0 && table.out.contains("ada@acme.example") && table.out.contains("held"))
                    let bad = try await cli.run(["outbox", "list", "--database-url", database.url, "--limit", "0"], client: false)
                    #expect(bad.code != 0 && bad.err.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1)
                }
                #expect(second == .exited(0))
            }
        }
    }
}
