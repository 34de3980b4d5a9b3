import Activities
import Foundation
import PostgresNIO
import Workflow

/// `media.publish`: moves a staged HLS folder to `{publishDirectory}/{videoId}` and records it in
/// `published_videos`. Publishing again replaces the earlier version; a retry after the move
/// finds the folder already in place and only records it. Both folders must resolve under the
/// worker's media roots and `videoId` must be a plain name; otherwise it fails non-retryably
/// (`PathOutsideMediaRoot`, `InvalidMediaName`) before anything is moved or removed.
public struct PublishVideo: Activity {
    public static let name = "media.publish"

    public struct Input: Codable, Sendable {
        public var videoId: String
        public var stagedDirectory: String
        public var publishDirectory: String
        public var durationSeconds: Double
        public var rungs: [TranscodeHLS.RungResult]
    }

    public struct Output: Codable, Sendable, Equatable {
        public var directory: String
        public var master: String
    }

    let database: PostgresClient
    let media: MediaConfiguration

    public init(database: PostgresClient, media: MediaConfiguration) {
        self.database = database
        self.media = media
    }

    public func run(input: Input) async throws -> Output {
        let files = FileManager.default
        try MediaName.check(input.videoId, field: "videoId")
        let staged = try media.roots.resolve(input.stagedDirectory, field: "stagedDirectory", strictlyInside: true)
        // The folder itself is resolved too: a symlink planted at {publishDirectory}/{videoId} is followed, not trusted.
        let published = try media.roots.resolve(input.publishDirectory, field: "publishDirectory").appendingPathComponent(input.videoId)
        let target = try media.roots.resolve(published.path, field: "publishDirectory", strictlyInside: true)
        guard staged != target else {
            throw ApplicationFailure("stagedDirectory is the published folder itself", type: MediaRoots.failureType, nonRetryable: true)
        }
        let stagedExists = files.fileExists(atPath: staged.path)
        guard stagedExists || files.fileExists(atPath: target.appendingPathComponent("master.m3u8").path) else {
            throw ApplicationFailure("nothing to publish: \(staged.path) does not exist", type: "NothingToPublish", nonRetryable: true)
        }
        if stagedExists {
            try files.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            if files.fileExists(atPath: target.path) { try files.removeItem(at: target) }
            try files.moveItem(at: staged, to: target)
        }
        let master = target.appendingPathComponent("master.m3u8").path
        let rungs = String(decoding: try JSONEncoder().encode(input.rungs), as: UTF8.self)
        try await database.query(
            """
            INSERT INTO published_videos (video_id, directory, master, duration_seconds, rungs)
            VALUES (\(input.videoId), \(target.path), \(master), \(input.durationSeconds), \(rungs)::jsonb)
            ON CONFLICT (video_id) DO UPDATE SET directory = excluded.directory, master = excluded.master,
                duration_seconds = excluded.duration_seconds, rungs = excluded.rungs, published_at = now()
            """, logger: SampleSupport.queryLogger
        ).drain()
        return Output(directory: target.path, master: master)
    }
}
