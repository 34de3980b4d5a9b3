import Foundation
import Workflow

/// Reads HLS playlists back and checks the output before the activity may succeed.
enum HLSValidation {
    struct Variant: Equatable {
        var attributes: [String: String]
        var uri: String
    }

    /// The variants of a master playlist.
    static func parseMaster(_ text: String) throws -> [Variant] {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.first == "#EXTM3U" else { throw invalid("master.m3u8 does not start with #EXTM3U") }
        var variants: [Variant] = []
        var pending: [String: String]?
        for line in lines.dropFirst() where !line.isEmpty {
            if line.hasPrefix("#EXT-X-STREAM-INF:") {
                pending = attributes(String(line.dropFirst("#EXT-X-STREAM-INF:".count)))
            } else if !line.hasPrefix("#"), let attributes = pending {
                variants.append(Variant(attributes: attributes, uri: line))
                pending = nil
            }
        }
        guard !variants.isEmpty else { throw invalid("master.m3u8 lists no variant") }
        return variants
    }

    /// `BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2"` → a dictionary.
    static func attributes(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        var key = ""
        var value = ""
        var inKey = true
        var quoted = false
        for character in text + "," {
            if inKey {
                if character == "=" { inKey = false } else { key.append(character) }
            } else if character == "\"" {
                quoted.toggle()
            } else if character == "," && !quoted {
                result[key] = value
                key = ""
                value = ""
                inKey = true
            } else {
                value.append(character)
            }
        }
        return result
    }

    /// The segments and total duration of a variant playlist.
    static func parseVariant(_ text: String) throws -> (segments: [String], duration: Double) {
        var segments: [String] = []
        var duration = 0.0
        var sawEnd = false
        for line in text.split(whereSeparator: \.isNewline).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("#EXTINF:") {
                let value = line.dropFirst("#EXTINF:".count).split(separator: ",").first.map(String.init) ?? ""
                guard let seconds = Double(value) else { throw invalid("bad #EXTINF line: \(line)") }
                duration += seconds
            } else if line == "#EXT-X-ENDLIST" {
                sawEnd = true
            } else if !line.isEmpty && !line.hasPrefix("#") {
                segments.append(line)
            }
        }
        guard !segments.isEmpty else { throw invalid("a variant playlist lists no segment") }
        guard sawEnd else { throw invalid("a variant playlist has no #EXT-X-ENDLIST") }
        return (segments, duration)
    }

    /// Checks the master, every variant, every segment, and each variant's duration against the
    /// source's within one segment.
    static func validate(directory: URL, sourceDuration: Double, segmentSeconds: Double) throws -> [Variant] {
        let master = try String(contentsOf: directory.appendingPathComponent("master.m3u8"), encoding: .utf8)
        let variants = try parseMaster(master)
        for variant in variants {
            guard variant.attributes["BANDWIDTH"] != nil, variant.attributes["RESOLUTION"] != nil else {
                throw invalid("variant \(variant.uri) lacks BANDWIDTH or RESOLUTION")
            }
            let playlist = directory.appendingPathComponent(variant.uri)
            let (segments, duration) = try parseVariant(try String(contentsOf: playlist, encoding: .utf8))
            for segment in segments {
                let path = playlist.deletingLastPathComponent().appendingPathComponent(segment).path
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                guard size > 0 else { throw invalid("segment \(segment) of \(variant.uri) is missing or empty") }
            }
            guard abs(duration - sourceDuration) <= segmentSeconds else {
                throw invalid("\(variant.uri) lasts \(duration) s but the source lasts \(sourceDuration) s")
            }
        }
        return variants
    }

    private static func invalid(_ message: String) -> ApplicationFailure {
        ApplicationFailure("HLS output failed validation: \(message)", type: "HLSValidationFailed")
    }
}
