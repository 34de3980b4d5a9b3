import Activities
import Foundation
import RepriseTesting
@testable import Samples
import Store
import Testing
import Workflow

/// Issue 15: a video id names a video of one namespace. Two namespaces may publish the same id,
/// each into its own folder, and neither replaces the other's row or the other's published folder.
@Suite("Published videos are per namespace")
struct PublishedVideoNamespaceTests {
    @Test func aVideoIdNamesAnotherVideoInAnotherNamespaceAndItsFolderIsNotReplaced() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-publish-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        /// A staged HLS folder whose master playlist says who made it.
        func stage(_ name: String) throws -> String {
            let folder = root.appendingPathComponent("work/\(name)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data("#EXTM3U\n# \(name)\n".utf8).write(to: folder.appendingPathComponent("master.m3u8"))
            return folder.path
        }
        let publishedA = root.appendingPathComponent("published-a").path
        let publishedB = root.appendingPathComponent("published-b").path

        try await SampleHarness.run(mediaRoot: root) { env, _ in
            let publish = PublishVideo(database: env.store.client, media: MediaConfiguration(roots: try MediaRoots([root.path])))
            func run(_ namespace: String, _ activityId: String, staged: String, into directory: String) async throws -> PublishVideo.Output {
                try await NamespaceIsolationTests.attempt(namespace, activityId) {
                    try await publish.run(input: .init(videoId: "clip-1", stagedDirectory: staged, publishDirectory: directory, durationSeconds: 3, rungs: []))
                }
            }
            let a = try await run("tenant-a", "1", staged: try stage("a"), into: publishedA)
            let b = try await run("tenant-b", "1", staged: try stage("b"), into: publishedB)
            var directories: [String] = []
            for try await directory in try await env.store.client.query(
                "SELECT directory FROM reprise_samples.published_videos WHERE video_id = 'clip-1' ORDER BY directory", logger: SampleHarness.logger
            ).decode(String.self) { directories.append(directory) }
            #expect(directories == [a.directory, b.directory])

            // B publishes the same id into A's folder: refused, and A's video stays as it was.
            let staged = try stage("b-again")
            let failure = await #expect(throws: ApplicationFailure.self) { try await run("tenant-b", "2", staged: staged, into: publishedA) }
            #expect(failure?.type == "PublishedByAnotherNamespace" && failure?.nonRetryable == true, "\(String(describing: failure))")
            #expect(try String(contentsOfFile: a.master, encoding: .utf8).contains("# a\n"))
            #expect(FileManager.default.fileExists(atPath: staged))

            // A may still replace its own video.
            let again = try await run("tenant-a", "2", staged: try stage("a-again"), into: publishedA)
            #expect(try String(contentsOfFile: again.master, encoding: .utf8).contains("# a-again\n"))
        }
    }
}
