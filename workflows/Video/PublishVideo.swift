import Activities
import Foundation
import PostgresNIO
import Workflow

/// `media.publish`: moves a staged HLS folder to `{publishDirectory}/{videoId}` and records it in
/// `published_videos`. Publishing again replaces the earlier version; a retry after the move
/// finds the folder already in place and only records it. Both folders must resolve under the
/// worker's media roots and `videoId` must be a plain name; otherwise it fails non-retryably
/// (`PathOutsideMediaRoot`, `InvalidMediaName`) before anything is moved or removed.
///
/// A video id names a video of the run's namespace: the row is keyed by (namespace, video id),
/// and a folder that another namespace published is never replaced (`PublishedByAnotherNamespace`).
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
        try MediaName.check(input.videoId, field: "videoId")
        let staged = try media.roots.resolve(input.stagedDirectory, field: "stagedDirectory", strictlyInside: true)
        // The folder itself is resolved too: a symlink planted at {publishDirectory}/{videoId} is followed, not trusted.
        let published = try media.roots.resolve(input.publishDirectory, field: "publishDirectory").appendingPathComponent(input.videoId)
        let target = try media.roots.resolve(published.path, field: "publishDirectory", strictlyInside: true)
        guard staged != target else {
            throw ApplicationFailure("stagedDirectory is the published folder itself", type: MediaRoots.failureType, nonRetryable: true)
        }
        let namespace = try SampleSupport.namespace()
        let master = target.appendingPathComponent("master.m3u8").path
        let rungs = String(decoding: try JSONEncoder().encode(input.rungs), as: UTF8.self)
        let logger = SampleSupport.queryLogger
        // The folder is claimed, checked, replaced and recorded under one lock on its path, so two
        // namespaces publishing to the same folder at once cannot both pass the check.
        try await database.sampleTransaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockClass), hashtext(\(target.path)))", logger: logger).drain()
            for try await _ in try await connection.query(
                "SELECT 1 FROM reprise_samples.published_videos WHERE directory = \(target.path) AND namespace <> \(namespace) LIMIT 1", logger: logger
            ) {
                throw ApplicationFailure(
                    "publishDirectory/videoId is a folder another namespace published; choose another videoId or publishDirectory",
                    type: "PublishedByAnotherNamespace", nonRetryable: true)
            }
            try Self.move(staged, to: target)
            try await connection.query(
                """
                INSERT INTO reprise_samples.published_videos (namespace, video_id, directory, master, duration_seconds, rungs)
                VALUES (\(namespace), \(input.videoId), \(target.path), \(master), \(input.durationSeconds), \(rungs)::jsonb)
                ON CONFLICT (namespace, video_id) DO UPDATE SET directory = excluded.directory, master = excluded.master,
                    duration_seconds = excluded.duration_seconds, rungs = excluded.rungs, published_at = now()
                """, logger: logger
            ).drain()
        }
        return Output(directory: target.path, master: master)
    }

    /// The first key of the advisory lock on a published folder (the second is its path's hash):
    /// "RPpv", apart from any other lock on the database.
    static let lockClass: Int32 = 0x5250_7076

    /// Moves the staged folder into place, replacing an earlier version. A retry after the move
    /// finds the staged folder gone and the published one in place, and moves nothing.
    private static func move(_ staged: URL, to target: URL) throws {
        let files = FileManager.default
        let stagedExists = files.fileExists(atPath: staged.path)
        guard stagedExists || files.fileExists(atPath: target.appendingPathComponent("master.m3u8").path) else {
            throw ApplicationFailure("nothing to publish: \(staged.path) does not exist", type: "NothingToPublish", nonRetryable: true)
        }
        guard stagedExists else { return }
        try files.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        if files.fileExists(atPath: target.path) { try files.removeItem(at: target) }
        try files.moveItem(at: staged, to: target)
    }
}
