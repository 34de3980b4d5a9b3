import Activities
import Foundation
import Subprocess
import Workflow

/// Transcodes a generated 10 s 1080p clip (testsrc2 at 25 fps with a tone) to the default
/// 4-rung HLS ladder and reports the speed as a multiple of real time.
struct TranscodeScenario {
    var seconds = 10

    func run() async throws -> [String: JSONValue] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("source.mp4").path
        let made = try await Subprocess.run(
            .name("ffmpeg"),
            arguments: [
                "-hide_banner", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25:duration=\(seconds)", "-f", "lavfi",
                "-i", "sine=frequency=440:duration=\(seconds)", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
                "-shortest", source,
            ], output: .discarded, error: .string(limit: 1 << 20))
        guard made.terminationStatus.isSuccess else { throw ApplicationFailure("making the clip failed: \(made.standardError)") }
        let media = MediaConfiguration(roots: try MediaRoots([directory.path]))
        let output = try await TranscodeHLS(media: media).run(input: .init(source: source, outputDirectory: directory.appendingPathComponent("hls").path))
        return [
            "scenario": .string("transcode"),
            "source_seconds": .double(output.durationSeconds),
            "rungs": .int(Int64(output.rungs.count)),
            "wall_seconds": .double(output.wallSeconds),
            "speed_x_realtime": .double(output.durationSeconds / output.wallSeconds),
            "bytes": .int(Int64(output.bytesWritten)),
        ]
    }
}
