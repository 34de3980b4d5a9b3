import Foundation

/// What the media activities may touch and run, built once by the process that registers them
/// (`reprise dev`, `reprise worker`) and handed to each activity.
///
/// ## Usage
/// ```swift
/// let media = try MediaConfiguration.fromEnvironment()
/// let activities = [MediaProbe(media: media), TranscodeHLS(media: media)]
/// ```
public struct MediaConfiguration: Sendable, Hashable {
    /// The directories every path from input must resolve under.
    public var roots: MediaRoots
    /// The `ffmpeg` executable; `nil` finds it on `PATH`.
    public var ffmpegPath: String?
    /// The `ffprobe` executable; `nil` finds it on `PATH`.
    public var ffprobePath: String?

    public init(roots: MediaRoots, ffmpegPath: String? = nil, ffprobePath: String? = nil) {
        self.roots = roots
        self.ffmpegPath = ffmpegPath
        self.ffprobePath = ffprobePath
    }

    /// The default root, relative to the worker's directory.
    public static let defaultRoot = ".reprise/media"

    /// Reads `REPRISE_MEDIA_ROOT` (a `:`-separated list; `.reprise/media` by default) and
    /// `FFMPEG_PATH`/`FFPROBE_PATH`, and creates the roots that do not exist yet.
    ///
    /// - Throws: ``MediaConfigurationError`` when a root cannot be created or resolved.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> MediaConfiguration {
        let listed = (environment["REPRISE_MEDIA_ROOT"] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
        let paths = listed.isEmpty ? [defaultRoot] : listed
        for path in paths {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw MediaConfigurationError("cannot create the media root \(path): \(error)")
            }
        }
        func configured(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        return MediaConfiguration(roots: try MediaRoots(paths), ffmpegPath: configured("FFMPEG_PATH"), ffprobePath: configured("FFPROBE_PATH"))
    }
}
