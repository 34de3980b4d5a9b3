import Foundation
import Workflow

extension TranscodeHLS {
    /// The input's paths, resolved under the media roots, once every field is known to be safe:
    /// rung names are plain names, numbers are in range, the output directory lies strictly inside
    /// a root and does not hold the source (it is removed before each attempt).
    ///
    /// - Throws: a non-retryable ``ApplicationFailure`` naming the field: `PathOutsideMediaRoot`,
    ///   `InvalidMediaName` or `InvalidTranscodeInput`.
    func checked(_ input: Input) throws -> (source: URL, outputDirectory: URL) {
        for rung in input.ladder ?? [] {
            try MediaName.check(rung.name, field: "ladder[].name")
            try Self.require(rung.height, in: 2...8640, field: "ladder[\(rung.name)].height")
            try Self.require(rung.videoBitrate, in: 1...1_000_000_000, field: "ladder[\(rung.name)].videoBitrate")
        }
        if let ladder = input.ladder, ladder.isEmpty { throw Self.invalid("ladder must name at least one rung") }
        if let seconds = input.segmentSeconds { try Self.require(seconds, in: 0.1...3600, field: "segmentSeconds") }
        if let seconds = input.keyframeInterval { try Self.require(seconds, in: 0.1...3600, field: "keyframeInterval") }
        if let bitrate = input.audioBitrate { try Self.require(bitrate, in: 1...10_000_000, field: "audioBitrate") }
        let source = try media.roots.resolve(input.source, field: "source")
        let directory = try media.roots.resolve(input.outputDirectory, field: "outputDirectory", strictlyInside: true)
        guard !(source.path + "/").hasPrefix(directory.path + "/") else {
            throw ApplicationFailure(
                "outputDirectory \"\(input.outputDirectory)\" holds the source, and it is removed before each attempt", type: MediaRoots.failureType,
                nonRetryable: true, details: .object(["field": .string("outputDirectory"), "path": .string(input.outputDirectory)]))
        }
        return (source, directory)
    }

    private static func require<T: Comparable>(_ value: T, in range: ClosedRange<T>, field: String) throws {
        guard range.contains(value) else { throw invalid("\(field) must be between \(range.lowerBound) and \(range.upperBound), got \(value)") }
    }

    private static func invalid(_ message: String) -> ApplicationFailure {
        ApplicationFailure(message, type: "InvalidTranscodeInput", nonRetryable: true)
    }
}
