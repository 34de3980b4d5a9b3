import Activities
import Foundation
import Gateway
import RepriseTesting
@testable import Samples
import Store
import Testing
import TestSupport
import Workflow

@Suite("VideoTranscode, http.request and email.send")
struct VideoAndEmailTests {
    @Test func aGeneratedClipIsTranscodedPublishedAndAnnounced() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-video-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let clip = directory.appendingPathComponent("clip.mp4").path
        try await SampleHarness.makeClip(at: clip, width: 320, height: 240, seconds: 3)

        let hook = StandInProvider(paths: ["/hooks/video"]) { _, _ in .init(body: .object(["ok": .bool(true)])) }
        try await hook.run {
            try await SampleHarness.run(mediaRoot: directory) { env, _ in
                let input = VideoTranscode.Input(
                    videoId: "clip-1", source: clip, workDirectory: directory.appendingPathComponent("work").path,
                    publishDirectory: directory.appendingPathComponent("published").path, webhookURL: hook.baseURL + "/hooks/video",
                    ladder: [HLSRung(name: "240p", height: 240, videoBitrate: 300_000)], segmentSeconds: 1, preset: "ultrafast")
                try await env.start(VideoTranscode.self, id: "video-1", input: input)
                let outcome = try await env.result(VideoTranscode.self, id: "video-1", timeout: SampleHarness.patience)
                let published = directory.appendingPathComponent("published/clip-1")
                #expect(outcome.master == published.appendingPathComponent("master.m3u8").path)
                #expect(outcome.rungs == ["240p"])
                #expect(abs(outcome.durationSeconds - 3) < 0.5)
                #expect(outcome.webhookStatus == 200)
                #expect(FileManager.default.fileExists(atPath: published.appendingPathComponent("240p/index.m3u8").path))
                #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("work/clip-1").path))
                #expect(try await SampleHarness.count(env, "SELECT count(*)::int FROM reprise_samples.published_videos WHERE video_id = 'clip-1'") == 1)
                let told = try #require(hook.requests.first)
                #expect(told.body["videoId"] == .string("clip-1"))
                #expect(told.body["master"] == .string(outcome.master))
            }
        }
    }

    @Test func httpRequestRetriesServerErrorsButNotClientErrors() async throws {
        let server = StandInProvider(paths: ["/500", "/404"]) { received, _ in
            .init(status: received.path == "/500" ? 503 : 404, body: .object(["error": .string("no")]))
        }
        let http = HTTPRequest(egress: try EgressPolicy(allowList: "127.0.0.1"))
        try await server.run {
            for (path, retryable) in [("/500", true), ("/404", false)] {
                do {
                    _ = try await http.run(input: .init(url: server.baseURL + path, body: "{}"))
                    Issue.record("\(path) should have failed")
                } catch let failure as ApplicationFailure {
                    #expect(failure.nonRetryable == !retryable, "\(path)")
                }
            }
            await #expect(throws: ApplicationFailure.self) { try await http.run(input: .init(method: "BREW", url: server.baseURL)) }
        }
    }

    @Test func emailStaysInTheOutboxByDefaultAndIsSentOnceOverHTTP() async throws {
        let provider = StandInProvider(paths: ["/emails"]) { _, index in .init(body: .object(["id": .string("em_\(index)")])) }
        try await provider.run {
            try await SampleHarness.run { env, _ in
                let message = SendEmail.Input(to: "ada@acme.example", subject: "Hello", body: "Hi Ada")
                let held = try await ActivityContext.$current.withValue(SampleHarness.attempt("1")) {
                    try await SendEmail(database: env.store.client, delivery: nil).run(input: message)
                }
                #expect(held.status == "held")

                let http = SendEmail(
                    database: env.store.client, delivery: HTTPEmailDelivery(baseURL: provider.baseURL, apiKey: "re_test", from: "us@reprise.example"))
                let sent = try await ActivityContext.$current.withValue(SampleHarness.attempt("2")) { try await http.run(input: message) }
                let again = try await ActivityContext.$current.withValue(SampleHarness.attempt("2")) { try await http.run(input: message) }
                #expect(sent.status == "sent" && again == sent)
                #expect(provider.requests.count == 1)
                let request = try #require(provider.requests.first)
                #expect(request.headers["idempotency-key"] == "run-1/2")
                #expect(request.headers["authorization"] == "Bearer re_test")
                #expect(request.body["to"] == .array([.string("ada@acme.example")]))
                let listed = try await Outbox.list(database: env.store.client, workflowId: "direct")
                #expect(listed.map(\.status) == ["sent", "held"])
            }
        }
    }
}
