import Activities
import Foundation
import RepriseTesting
@testable import Samples
import Store
import Testing
import Workflow

/// Issue 15's reproduction: a `VideoTranscode` start whose `workDirectory` names a folder outside
/// the worker's media roots must fail, and leave that folder alone.
@Suite("VideoTranscode stays inside the media roots")
struct VideoMediaRootTests {
    @Test func aWorkDirectoryOutsideTheRootsIsRefusedAndNothingThereIsRemoved() async throws {
        let temporary = FileManager.default.temporaryDirectory
        let root = temporary.appendingPathComponent("reprise-root-\(UUID().uuidString.prefix(8))")
        let victim = temporary.appendingPathComponent("reprise-victim-\(UUID().uuidString.prefix(8))")
        let kept = victim.appendingPathComponent("x/keep.txt")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: kept.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("not yours".utf8).write(to: kept)
        defer {
            try? FileManager.default.removeItem(at: root)
            try? FileManager.default.removeItem(at: victim)
        }
        let clip = root.appendingPathComponent("clip.mp4").path
        try await SampleHarness.makeClip(at: clip, width: 320, height: 240, seconds: 2)

        try await SampleHarness.run(mediaRoot: root) { env, _ in
            let input = VideoTranscode.Input(
                videoId: "x", source: clip, workDirectory: victim.path, publishDirectory: root.appendingPathComponent("published").path,
                ladder: [HLSRung(name: "240p", height: 240, videoBitrate: 300_000)], segmentSeconds: 1, preset: "ultrafast")
            try await env.start(VideoTranscode.self, id: "video-escape", input: input)
            let closed = try await env.waitForClose("video-escape", timeout: SampleHarness.patience)
            #expect(closed.status == .failed)
            #expect(closed.failure?.cause?.type == "PathOutsideMediaRoot", "\(String(describing: closed.failure))")
            #expect(closed.failure?.cause?.nonRetryable == true)
            #expect(closed.failure?.cause?.message.contains("outputDirectory") == true)
            #expect(FileManager.default.fileExists(atPath: kept.path), "the worker removed a folder outside its media roots")

            // media.publish on its own: it removes {publishDirectory}/{videoId} before the move.
            let staged = root.appendingPathComponent("work/x")
            try FileManager.default.createDirectory(at: staged, withIntermediateDirectories: true)
            let media = MediaConfiguration(roots: try MediaRoots([root.path]))
            for (publishDirectory, videoId, type) in [
                (victim.path, "x", "PathOutsideMediaRoot"), (root.path + "/../" + victim.lastPathComponent, "x", "PathOutsideMediaRoot"),
                (root.path, "../" + victim.lastPathComponent + "/x", "InvalidMediaName"),
            ] {
                let failure = await #expect(throws: ApplicationFailure.self) {
                    try await PublishVideo(database: env.store.client, media: media).run(
                        input: .init(videoId: videoId, stagedDirectory: staged.path, publishDirectory: publishDirectory, durationSeconds: 1, rungs: []))
                }
                #expect(failure?.type == type && failure?.nonRetryable == true, "\(publishDirectory) \(videoId): \(String(describing: failure))")
                #expect(FileManager.default.fileExists(atPath: kept.path))
                #expect(FileManager.default.fileExists(atPath: staged.path))
            }
        }
    }
}
