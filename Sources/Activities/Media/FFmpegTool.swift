import Foundation
import Subprocess
import Workflow

/// Finds and runs `ffmpeg` and `ffprobe`, always with an argument vector, never a shell string,
/// so no path or input is ever interpreted by a shell.
///
/// Every run is confined the same way: a minimal environment (`PATH` only; nothing of the
/// worker's, so no database URL or API key), `-protocol_whitelist file` on every input and
/// output, and its own process group, so that a canceled attempt stops the tool and anything it
/// started: SIGTERM to the group, then SIGKILL to the group after 5 s.
package enum FFmpegTool {
    /// The tools this type runs.
    package enum Tool: String, Sendable {
        case ffmpeg, ffprobe
    }

    /// The only environment a tool sees.
    static let environment: [Environment.Key: String] = ["PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]

    /// The protocols a tool may open: local files only. HLS output needs nothing else; a source
    /// that names a URL, or a playlist that points at one, is refused by ffmpeg itself.
    static let protocolWhitelist = ["-protocol_whitelist", "file"]

    /// A new process group, signalled as a whole on cancellation.
    static var platformOptions: PlatformOptions {
        var options = PlatformOptions()
        options.processGroupID = 0
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(5))]
        return options
    }

    /// The executable of a tool: the configured path, or the first on `PATH`.
    ///
    /// - Throws: a non-retryable ``ApplicationFailure`` naming the install command when it is missing.
    package static func executable(_ tool: Tool, media: MediaConfiguration) throws -> String {
        let configured = tool == .ffmpeg ? media.ffmpegPath : media.ffprobePath
        if let configured, FileManager.default.isExecutableFile(atPath: configured) { return configured }
        return try path(of: tool.rawValue)
    }

    /// The path of a tool on `PATH`.
    ///
    /// - Throws: a non-retryable ``ApplicationFailure`` naming the install command when it is missing.
    package static func path(of tool: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        for directory in (environment["PATH"] ?? "/usr/bin:/usr/local/bin").split(separator: ":") {
            let candidate = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ApplicationFailure(
            "\(tool) is not installed on this worker; install it with: apt-get install -y ffmpeg", type: "FFmpegNotInstalled",
            nonRetryable: true)
    }

    /// Runs a tool to completion and returns its standard output; a non-zero exit throws with its
    /// standard error.
    static func run(_ tool: Tool, _ arguments: [String], media: MediaConfiguration, nonRetryableFailureType: String) async throws -> String {
        let result = try await Subprocess.run(
            .path(.init(try executable(tool, media: media))), arguments: Arguments(arguments), environment: .custom(environment),
            platformOptions: platformOptions, output: .string(limit: 16 << 20), error: .string(limit: 1 << 20))
        guard result.terminationStatus.isSuccess else {
            throw ApplicationFailure(
                lastLines(result.standardError, fallback: "\(tool) failed with \(result.terminationStatus)"),
                type: nonRetryableFailureType, nonRetryable: true)
        }
        return result.standardOutput
    }

    /// The last lines of a tool's stderr: where ffmpeg says what went wrong.
    static func lastLines(_ text: String, count: Int = 3, fallback: String) -> String {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return lines.isEmpty ? fallback : lines.suffix(count).joined(separator: " | ")
    }
}
