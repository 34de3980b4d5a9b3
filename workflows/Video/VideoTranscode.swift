import Activities
import Foundation
import Workflow

/// Transcodes a video to an HLS ladder and publishes it: `media.probe` → `media.transcodeHLS`
/// (its heartbeats show progress in `reprise workflow describe`) → `media.publish`, which moves the
/// output into the published folder and records it → optionally an `http.request` webhook.
public struct VideoTranscode: Workflow {
    public static let name = "VideoTranscode"

    public struct Input: Codable, Sendable {
        public var videoId: String
        /// The source file, under the worker's media roots (`REPRISE_MEDIA_ROOT`); a relative path
        /// is relative to the first root.
        public var source: String
        /// Where the transcode is staged, under a media root; `work` (in the first root) by default.
        public var workDirectory: String?
        /// Where published videos go, one folder each, under a media root; `published` by default.
        public var publishDirectory: String?
        /// Told `{"videoId","master","durationSeconds","rungs"}` by a POST once the video is published.
        public var webhookURL: String?
        /// The ladder; `media.transcodeHLS`'s default when absent.
        public var ladder: [HLSRung]?
        public var segmentSeconds: Double?
        /// The x264 preset; `veryfast` by default.
        public var preset: String?

        public init(
            videoId: String, source: String, workDirectory: String? = nil, publishDirectory: String? = nil, webhookURL: String? = nil,
            ladder: [HLSRung]? = nil, segmentSeconds: Double? = nil, preset: String? = nil
        ) {
            self.videoId = videoId
            self.source = source
            self.workDirectory = workDirectory
            self.publishDirectory = publishDirectory
            self.webhookURL = webhookURL
            self.ladder = ladder
            self.segmentSeconds = segmentSeconds
            self.preset = preset
        }
    }

    public struct Outcome: Codable, Sendable, Equatable {
        public var videoId: String
        /// The published master playlist.
        public var master: String
        public var durationSeconds: Double
        public var rungs: [String]
        /// The webhook's HTTP status, when there was one.
        public var webhookStatus: Int?
    }

    public init() {}

    public func run(context: WorkflowContext, input: Input) async throws -> Outcome {
        // It names a folder: a plain name only. The media activities check their paths again.
        try MediaName.check(input.videoId, field: "videoId")
        let probe = try await context.execute(MediaProbe.self, .init(path: input.source), options: SampleSupport.local)
        guard probe.video != nil else {
            throw ApplicationFailure("\(input.source) has no video stream", type: "NoVideoStream", nonRetryable: true)
        }
        let staged = (input.workDirectory ?? "work") + "/" + input.videoId
        let transcode = try await context.execute(
            TranscodeHLS.self,
            .init(source: input.source, outputDirectory: staged, ladder: input.ladder, segmentSeconds: input.segmentSeconds, preset: input.preset),
            options: ActivityOptions(
                startToCloseTimeout: .seconds(4 * 3600), heartbeatTimeout: .seconds(60),
                retryPolicy: RetryPolicy(initialInterval: .seconds(5), maximumAttempts: 3)))
        let published = try await context.execute(
            PublishVideo.self,
            .init(
                videoId: input.videoId, stagedDirectory: staged, publishDirectory: input.publishDirectory ?? "published",
                durationSeconds: transcode.durationSeconds, rungs: transcode.rungs),
            options: SampleSupport.local)
        var outcome = Outcome(
            videoId: input.videoId, master: published.master, durationSeconds: transcode.durationSeconds, rungs: transcode.rungs.map(\.name))
        if let url = input.webhookURL {
            let body: JSONValue = .object([
                "videoId": .string(input.videoId), "master": .string(published.master), "durationSeconds": .double(transcode.durationSeconds),
                "rungs": .array(outcome.rungs.map(JSONValue.string)),
            ])
            let answer = try await context.execute(
                HTTPRequest.self, .init(method: "POST", url: url, headers: ["content-type": "application/json"], body: body.compactDescription),
                options: SampleSupport.external)
            outcome.webhookStatus = answer.status
        }
        return outcome
    }
}
