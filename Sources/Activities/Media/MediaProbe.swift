import Foundation
import Workflow

/// `media.probe`: what a media file holds, from `ffprobe -print_format json -show_format -show_streams`.
public struct MediaProbe: Activity {
    public static let name = "media.probe"

    public struct Input: Codable, Sendable {
        /// The file to read.
        public var path: String
        public init(path: String) { self.path = path }
    }

    /// One stream of the file.
    public struct Stream: Codable, Sendable, Equatable {
        public var index: Int
        /// `video`, `audio`, `subtitle` or `data`.
        public var type: String
        public var codec: String?
        public var width: Int?
        public var height: Int?
        /// Frames per second, for video.
        public var frameRate: Double?
        /// Bits per second, when the container says.
        public var bitRate: Int?
    }

    public struct Output: Codable, Sendable, Equatable {
        public var durationSeconds: Double
        /// The container format names, such as `mov,mp4,m4a,3gp,3g2,mj2`.
        public var container: String
        public var streams: [Stream]
        public var hasAudio: Bool

        /// The first video stream.
        public var video: Stream? { streams.first { $0.type == "video" } }
    }

    let media: MediaConfiguration

    /// - Parameter media: the roots `path` must lie under, and the tools.
    public init(media: MediaConfiguration) { self.media = media }

    /// Probes a file.
    ///
    /// - Throws: a non-retryable ``ApplicationFailure``: `PathOutsideMediaRoot` for a path outside
    ///   the media roots, `MediaNotFound`, `MediaUnreadable` with ffprobe's message for a file that
    ///   is not media, `FFmpegNotInstalled` when ffprobe is missing.
    public func run(input: Input) async throws -> Output {
        let path = try media.roots.resolve(input.path, field: "path").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw ApplicationFailure("no such file: \(input.path)", type: "MediaNotFound", nonRetryable: true)
        }
        let json = try await FFmpegTool.run(
            .ffprobe, ["-v", "error"] + FFmpegTool.protocolWhitelist + ["-print_format", "json", "-show_format", "-show_streams", "--", path],
            media: media, nonRetryableFailureType: "MediaUnreadable")
        return try Self.parse(json)
    }

    /// Parses ffprobe's JSON.
    static func parse(_ json: String) throws -> Output {
        struct Probe: Decodable {
            struct Format: Decodable {
                var format_name: String?
                var duration: String?
            }
            struct Stream: Decodable {
                var index: Int
                var codec_type: String?
                var codec_name: String?
                var width: Int?
                var height: Int?
                var avg_frame_rate: String?
                var r_frame_rate: String?
                var bit_rate: String?
                var duration: String?
            }
            var format: Format?
            var streams: [Stream]?
        }
        let probe: Probe
        do {
            probe = try JSONDecoder().decode(Probe.self, from: Data(json.utf8))
        } catch {
            throw ApplicationFailure("ffprobe printed JSON this activity cannot read: \(error)", type: "MediaUnreadable", nonRetryable: true)
        }
        let streams = (probe.streams ?? []).map { stream in
            Stream(
                index: stream.index, type: stream.codec_type ?? "data", codec: stream.codec_name, width: stream.width, height: stream.height,
                frameRate: rate(stream.avg_frame_rate) ?? rate(stream.r_frame_rate), bitRate: stream.bit_rate.flatMap { Int($0) })
        }
        let duration = probe.format?.duration.flatMap(Double.init)
            ?? probe.streams?.compactMap { $0.duration.flatMap(Double.init) }.max() ?? 0
        guard streams.contains(where: { $0.type == "video" || $0.type == "audio" }) else {
            throw ApplicationFailure("the file holds no audio or video stream", type: "MediaUnreadable", nonRetryable: true)
        }
        return Output(
            durationSeconds: duration, container: probe.format?.format_name ?? "unknown", streams: streams,
            hasAudio: streams.contains { $0.type == "audio" })
    }

    /// `30000/1001` → 29.97; `0/0` → nil.
    static func rate(_ text: String?) -> Double? {
        guard let parts = text?.split(separator: "/"), parts.count == 2, let top = Double(parts[0]), let bottom = Double(parts[1]), bottom > 0,
            top > 0
        else { return nil }
        return top / bottom
    }
}
