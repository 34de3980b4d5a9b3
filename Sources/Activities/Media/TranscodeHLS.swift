import Foundation
import Subprocess
import Workflow

/// `media.transcodeHLS`: one ffmpeg run that writes an adaptive-bitrate HLS ladder (a variant
/// playlist per rung, `master.m3u8`, the segments), reporting progress as heartbeats.
///
/// `source` and `outputDirectory` must resolve under the media roots (the output directory
/// strictly inside one, and not around the source), and rung names must be plain names; anything
/// else fails non-retryably before a file is touched. A retried attempt starts from an empty
/// output directory. Cancellation and timeouts stop ffmpeg's process group (SIGTERM, then SIGKILL
/// after 5 s) and remove the partial output. The output is validated before the activity succeeds.
public struct TranscodeHLS: Activity {
    public static let name = "media.transcodeHLS"

    public struct Input: Codable, Sendable {
        public var source: String
        public var outputDirectory: String
        /// The ladder; rungs above the source's height are dropped. Default: 360p to 1080p.
        public var ladder: [HLSRung]?
        public var segmentSeconds: Double?
        /// `libx264` by default.
        public var videoCodec: String?
        /// The x264 preset, `veryfast` by default.
        public var preset: String?
        /// The audio bitrate in bits per second, 128 kb/s by default.
        public var audioBitrate: Int?
        /// Seconds between keyframes; by default one per segment, so segments cut cleanly.
        public var keyframeInterval: Double?

        public init(
            source: String, outputDirectory: String, ladder: [HLSRung]? = nil, segmentSeconds: Double? = nil, videoCodec: String? = nil,
            preset: String? = nil, audioBitrate: Int? = nil, keyframeInterval: Double? = nil
        ) {
            self.source = source
            self.outputDirectory = outputDirectory
            self.ladder = ladder
            self.segmentSeconds = segmentSeconds
            self.videoCodec = videoCodec
            self.preset = preset
            self.audioBitrate = audioBitrate
            self.keyframeInterval = keyframeInterval
        }
    }

    public struct RungResult: Codable, Sendable, Equatable {
        public var name: String
        public var width: Int
        public var height: Int
        public var bandwidth: Int
        public var playlist: String
    }

    public struct Output: Codable, Sendable, Equatable {
        public var master: String
        public var rungs: [RungResult]
        public var bytesWritten: Int
        public var durationSeconds: Double
        public var wallSeconds: Double
    }

    /// The progress a heartbeat carries; `describe` shows it.
    public struct Progress: Codable, Sendable, Equatable {
        public var percent: Double
        public var speed: Double?
        public var outTimeSeconds: Double
    }

    let media: MediaConfiguration

    /// - Parameter media: the roots every path must lie under, and the tools.
    public init(media: MediaConfiguration) { self.media = media }

    public func run(input: Input) async throws -> Output {
        let started = ContinuousClock.now
        let (source, directory) = try checked(input)
        let probe = try await MediaProbe(media: media).run(input: .init(path: source.path))
        guard let video = probe.video, let sourceWidth = video.width, let sourceHeight = video.height else {
            throw ApplicationFailure("the source has no video stream", type: "MediaUnreadable", nonRetryable: true)
        }
        let segmentSeconds = input.segmentSeconds ?? 6
        let rungs = HLSRung.rungs(for: sourceHeight, from: input.ladder ?? HLSRung.defaultLadder)
        // A retried attempt never appends to a half-written directory.
        try? FileManager.default.removeItem(at: directory)
        for rung in rungs {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(rung.name), withIntermediateDirectories: true)
        }
        let arguments = Self.arguments(
            input: input, source: source.path, rungs: rungs, sourceWidth: sourceWidth, sourceHeight: sourceHeight, hasAudio: probe.hasAudio,
            segmentSeconds: segmentSeconds, directory: directory)
        do {
            try await runFFmpeg(arguments, duration: probe.durationSeconds)
            let variants = try HLSValidation.validate(directory: directory, sourceDuration: probe.durationSeconds, segmentSeconds: segmentSeconds)
            let results = rungs.map { rung in
                let variant = variants.first { $0.uri.hasPrefix("\(rung.name)/") }
                return RungResult(
                    name: rung.name, width: rung.width(forSourceWidth: sourceWidth, height: sourceHeight), height: rung.height,
                    bandwidth: Int(variant?.attributes["BANDWIDTH"] ?? "") ?? rung.videoBitrate,
                    playlist: directory.appendingPathComponent("\(rung.name)/index.m3u8").path)
            }
            return Output(
                master: directory.appendingPathComponent("master.m3u8").path, rungs: results, bytesWritten: Self.bytes(under: directory),
                durationSeconds: probe.durationSeconds, wallSeconds: (ContinuousClock.now - started).seconds)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// The ffmpeg argument vector: one decode, a split per rung, a scale per rung, one HLS muxer.
    static func arguments(
        input: Input, source: String, rungs: [HLSRung], sourceWidth: Int, sourceHeight: Int, hasAudio: Bool, segmentSeconds: Double, directory: URL
    ) -> [String] {
        let splits = rungs.indices.map { "[v\($0)]" }.joined()
        var filter = "[0:v:0]split=\(rungs.count)\(splits)"
        for (index, rung) in rungs.enumerated() {
            filter += ";[v\(index)]scale=\(rung.width(forSourceWidth: sourceWidth, height: sourceHeight)):\(rung.height),setsar=1[out\(index)]"
        }
        let keyframes = input.keyframeInterval ?? segmentSeconds
        var arguments = ["-hide_banner", "-nostdin", "-y"] + FFmpegTool.protocolWhitelist + ["-i", source, "-filter_complex", filter]
        for (index, rung) in rungs.enumerated() {
            arguments += [
                "-map", "[out\(index)]", "-c:v:\(index)", input.videoCodec ?? "libx264", "-b:v:\(index)", String(rung.videoBitrate),
                "-maxrate:v:\(index)", String(rung.videoBitrate * 107 / 100), "-bufsize:v:\(index)", String(rung.videoBitrate * 3 / 2),
            ]
            if hasAudio { arguments += ["-map", "0:a:0"] }
        }
        if input.videoCodec == nil || input.videoCodec == "libx264" {
            arguments += ["-preset", input.preset ?? "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p"]
        }
        arguments += ["-force_key_frames", "expr:gte(t,n_forced*\(keyframes))", "-sc_threshold", "0"]
        if hasAudio { arguments += ["-c:a", "aac", "-b:a", String(input.audioBitrate ?? 128_000), "-ac", "2"] }
        let streamMap = rungs.enumerated().map { index, rung in
            hasAudio ? "v:\(index),a:\(index),name:\(rung.name)" : "v:\(index),name:\(rung.name)"
        }.joined(separator: " ")
        arguments += FFmpegTool.protocolWhitelist + [
            "-f", "hls", "-hls_time", String(segmentSeconds), "-hls_playlist_type", "vod", "-hls_flags", "independent_segments",
            "-hls_segment_filename", directory.appendingPathComponent("%v/segment_%05d.ts").path,
            "-master_pl_name", "master.m3u8", "-var_stream_map", streamMap,
            "-progress", "pipe:1", "-nostats",
            directory.appendingPathComponent("%v/index.m3u8").path,
        ]
        return arguments
    }

    /// Runs ffmpeg, turning `-progress` output into heartbeats. Cancellation, or a heartbeat refused
    /// (lease lost), stops ffmpeg's process group through swift-subprocess's teardown.
    private func runFFmpeg(_ arguments: [String], duration: Double) async throws {
        let context = ActivityContext.current
        let result = try await Subprocess.run(
            .path(.init(try FFmpegTool.executable(.ffmpeg, media: media))), arguments: Arguments(arguments),
            environment: .custom(FFmpegTool.environment), platformOptions: FFmpegTool.platformOptions, input: .none, output: .sequence,
            error: .string(limit: 1 << 20)
        ) { execution in
            var fields: [String: String] = [:]
            for try await line in execution.standardOutput.strings() {
                let parts = line.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                fields[String(parts[0])] = String(parts[1])
                guard parts[0] == "progress" else { continue }
                let outTime = Double(fields["out_time_us"] ?? fields["out_time_ms"] ?? "0").map { $0 / 1_000_000 } ?? 0
                let speed = fields["speed"].flatMap { Double($0.replacingOccurrences(of: "x", with: "")) }
                let percent = duration > 0 ? min(100, max(0, outTime / duration * 100)) : 0
                try await context?.heartbeat(Progress(percent: parts[1] == "end" ? 100 : percent, speed: speed, outTimeSeconds: outTime))
            }
        }
        try Task.checkCancellation()
        guard result.terminationStatus.isSuccess else {
            throw ApplicationFailure(
                "ffmpeg failed: \(FFmpegTool.lastLines(result.standardError, fallback: "\(result.terminationStatus)"))", type: "TranscodeFailed")
        }
    }

    static func bytes(under directory: URL) -> Int {
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.fileSizeKey]) else { return 0 }
        var total = 0
        for case let url as URL in enumerator {
            total += (try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0
        }
        return total
    }
}
