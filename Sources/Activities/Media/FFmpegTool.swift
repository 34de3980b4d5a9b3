import Foundation
import Subprocess
import Workflow

/// Finds and runs `ffmpeg` and `ffprobe`, always with an argument vector, never a shell string,
/// so no path or input is ever interpreted by a shell.
package enum FFmpegTool {
    /// The path of a tool, from `FFMPEG_PATH`/`FFPROBE_PATH` or `PATH`.
    ///
    /// - Throws: a non-retryable ``ApplicationFailure`` naming the install command when it is missing.
    package static func path(of tool: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if let configured = environment["\(tool.uppercased())_PATH"], FileManager.default.isExecutableFile(atPath: configured) {
            return configured
        }
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
    static func run(_ tool: String, _ arguments: [String], nonRetryableFailureType: String) async throws -> String {
        let result = try await Subprocess.run(
            .path(.init(try path(of: tool))), arguments: Arguments(arguments), output: .string(limit: 16 << 20),
            error: .string(limit: 1 << 20))
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
