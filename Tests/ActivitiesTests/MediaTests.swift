import Activities
import Foundation
import Logging
import Subprocess
import Synchronization
import Testing
import Workflow

/// Test clips made with ffmpeg's lavfi sources, in a directory whose name has spaces and quotes,
/// which is also the media activities' one root.
struct Clips {
    let directory: URL
    let media: MediaConfiguration

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("reprise media 'tests' \"\(UUID().uuidString.prefix(6))\"")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        media = MediaConfiguration(roots: try MediaRoots([directory.path]))
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// Makes a clip: testsrc2 video of the given size, with a sine tone when `audio`.
    func make(_ name: String, width: Int, height: Int, seconds: Int, rate: Int = 10, audio: Bool) async throws -> String {
        let path = directory.appendingPathComponent(name).path
        var arguments = ["-hide_banner", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc2=size=\(width)x\(height):rate=\(rate):duration=\(seconds)"]
        if audio { arguments += ["-f", "lavfi", "-i", "sine=frequency=440:duration=\(seconds)", "-c:a", "aac"] }
        // ffv1 in Matroska takes odd sizes, which 4:2:0 H.264 cannot.
        arguments += name.hasSuffix(".mkv") ? ["-c:v", "ffv1"] : ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
        arguments += ["-shortest", path]
        let result = try await Subprocess.run(.name("ffmpeg"), arguments: Arguments(arguments), output: .discarded, error: .string(limit: 1 << 20))
        guard result.terminationStatus.isSuccess else { throw ApplicationFailure("making \(name) failed: \(result.standardError)") }
        return path
    }

    func output(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// Collects heartbeats.
final class Heartbeats: Sendable {
    private let details = Mutex<[Payload?]>([])
    var all: [Payload?] { details.withLock { $0 } }

    func context() -> ActivityContext {
        ActivityContext(
            info: .init(
                namespace: "default", workflowId: "w", runId: "r", workflowType: "T", activityId: "1", activityType: TranscodeHLS.name,
                taskQueue: "main", attempt: 1),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        ) { detail in self.details.withLock { $0.append(detail) } }
    }
}

func probeResolution(_ path: String, media: MediaConfiguration) async throws -> (Int, Int) {
    let probe = try await MediaProbe(media: media).run(input: .init(path: path))
    return (probe.video?.width ?? 0, probe.video?.height ?? 0)
}

@Suite("FFmpeg media activities", .serialized)
struct MediaTests {
    let fast = (preset: "ultrafast", segment: 2.0)

    @Test func probeReadsStreamsAndTheAbsenceOfAudio() async throws {
        let clips = try Clips()
        defer { clips.remove() }
        let withAudio = try await MediaProbe(media: clips.media).run(input: .init(path: try await clips.make("a.mp4", width: 1280, height: 720, seconds: 2, audio: true)))
        #expect(withAudio.hasAudio)
        #expect(withAudio.video?.width == 1280 && withAudio.video?.height == 720)
        #expect(withAudio.video?.codec == "h264")
        #expect(withAudio.video?.frameRate == 10)
        #expect(abs(withAudio.durationSeconds - 2) < 0.2)
        #expect(withAudio.container.contains("mp4"))
        let silent = try await MediaProbe(media: clips.media).run(input: .init(path: try await clips.make("b.mp4", width: 640, height: 360, seconds: 1, audio: false)))
        #expect(!silent.hasAudio)
    }

    @Test func aMissingBinaryNamesTheInstallCommand() throws {
        let failure = #expect(throws: ApplicationFailure.self) {
            try FFmpegTool.path(of: "ffprobe", environment: ["PATH": "/nonexistent"])
        }
        #expect(failure?.type == "FFmpegNotInstalled")
        #expect(failure?.nonRetryable == true)
        #expect(failure?.message.contains("apt-get install -y ffmpeg") == true)
    }

    @Test func aCorruptInputFailsNonRetryablyWithFFprobesMessage() async throws {
        let clips = try Clips()
        defer { clips.remove() }
        let path = clips.output("broken.mp4")
        // Text, not random bytes: random bytes now and then look like the start of some format,
        // and ffprobe then fails with another message.
        try Data(String(repeating: "this is not a video, it is text\n", count: 128).utf8).write(to: URL(fileURLWithPath: path))
        let failure = await #expect(throws: ApplicationFailure.self) { try await MediaProbe(media: clips.media).run(input: .init(path: path)) }
        #expect(failure?.nonRetryable == true)
        #expect(failure?.type == "MediaUnreadable")
        #expect(failure?.message.contains("Invalid data found when processing input") == true)
    }

    @Test func a1080pSourceWithAudioYieldsFourRungs() async throws {
        let clips = try Clips()
        defer { clips.remove() }
        let source = try await clips.make("source 1080p.mp4", width: 1920, height: 1080, seconds: 5, audio: true)
        let heartbeats = Heartbeats()
        let output = try await ActivityContext.$current.withValue(heartbeats.context()) {
            try await TranscodeHLS(media: clips.media).run(
                input: .init(source: source, outputDirectory: clips.output("out 1080"), segmentSeconds: fast.segment, preset: fast.preset))
        }
        #expect(output.rungs.map(\.name) == ["360p", "480p", "720p", "1080p"])
        #expect(output.rungs.map(\.height) == [360, 480, 720, 1080])
        #expect(output.bytesWritten > 0)
        #expect(abs(output.durationSeconds - 5) < 0.2)
        let master = try String(contentsOfFile: output.master, encoding: .utf8)
        #expect(master.contains("BANDWIDTH=") && master.contains("RESOLUTION=1920x1080") && master.contains("CODECS="))
        #expect(master.contains("mp4a"))
        for rung in output.rungs {
            let segment = URL(fileURLWithPath: rung.playlist).deletingLastPathComponent().appendingPathComponent("segment_00000.ts").path
            let (width, height) = try await probeResolution(segment, media: clips.media)
            #expect(width == rung.width && height == rung.height, "\(rung.name)")
        }
        let percents = heartbeats.all.compactMap { try? $0?.decode(as: TranscodeHLS.Progress.self).percent }
        #expect(!percents.isEmpty)
        #expect(percents == percents.sorted(), "heartbeat percentages must rise: \(percents)")
        #expect(percents.last == 100)
    }

    @Test func a720pSourceWithoutAudioYieldsThreeRungs() async throws {
        let clips = try Clips()
        defer { clips.remove() }
        let source = try await clips.make("silent 720p.mp4", width: 1280, height: 720, seconds: 4, audio: false)
        // What a crashed earlier attempt left behind must not survive into this one.
        let leftover = URL(fileURLWithPath: clips.output("out 720")).appendingPathComponent("720p/segment_00099.ts")
        try FileManager.default.createDirectory(at: leftover.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("half-written".utf8).write(to: leftover)
        let output = try await TranscodeHLS(media: clips.media).run(
            input: .init(source: source, outputDirectory: clips.output("out 720"), segmentSeconds: fast.segment, preset: fast.preset))
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
        #expect(output.rungs.map(\.name) == ["360p", "480p", "720p"])
        let master = try String(contentsOfFile: output.master, encoding: .utf8)
        #expect(!master.contains("mp4a"))
    }

    @Test func anOddSourceSizeIsScaledToEvenDimensionsWithoutUpscaling() async throws {
        let clips = try Clips()
        defer { clips.remove() }
        let source = try await clips.make("odd.mkv", width: 854, height: 481, seconds: 3, audio: true)
        let output = try await TranscodeHLS(media: clips.media).run(
            input: .init(source: source, outputDirectory: clips.output("out odd"), segmentSeconds: fast.segment, preset: fast.preset))
        #expect(output.rungs.map(\.name) == ["360p", "480p"])
        for rung in output.rungs {
            #expect(rung.width % 2 == 0 && rung.height % 2 == 0)
            let segment = URL(fileURLWithPath: rung.playlist).deletingLastPathComponent().appendingPathComponent("segment_00000.ts").path
            let (width, height) = try await probeResolution(segment, media: clips.media)
            #expect(width == rung.width && height == rung.height)
        }
    }

    @Test func cancellationStopsFFmpegAndRemovesPartialOutput() async throws {
        let clips = try Clips()
        defer { clips.remove() }
        let source = try await clips.make("long.mp4", width: 1920, height: 1080, seconds: 20, rate: 25, audio: true)
        let outputDirectory = clips.output("out canceled")
        let heartbeats = Heartbeats()
        let task = Task {
            try await ActivityContext.$current.withValue(heartbeats.context()) {
                try await TranscodeHLS(media: clips.media).run(input: .init(source: source, outputDirectory: outputDirectory, segmentSeconds: 2, preset: "veryfast"))
            }
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while heartbeats.all.isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!heartbeats.all.isEmpty)
        #expect(try await ffmpegRunning(for: outputDirectory))
        let canceledAt = ContinuousClock.now
        task.cancel()
        _ = await task.result
        while try await ffmpegRunning(for: outputDirectory) && ContinuousClock.now - canceledAt < .seconds(10) {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(ContinuousClock.now - canceledAt < .seconds(5))
        #expect(!(try await ffmpegRunning(for: outputDirectory)))
        #expect(!FileManager.default.fileExists(atPath: outputDirectory))
    }

    /// Whether an ffmpeg process is writing into this directory.
    private func ffmpegRunning(for directory: String) async throws -> Bool {
        let result = try await Subprocess.run(.name("pgrep"), arguments: ["-f", "--", "ffmpeg .*\(NSRegularExpression.escapedPattern(for: directory))"], output: .string(limit: 4096), error: .discarded)
        return result.terminationStatus.isSuccess
    }
}
