import Activities
import Foundation
import Testing
import Workflow

/// The media activities touch only what is under their roots, with plain names, and run the tools
/// confined: a minimal environment, local files only, and a process group stopped as a whole.
@Suite("Media confinement", .serialized)
struct MediaConfinementTests {
    /// A folder outside the root with a file in `x/`, which no input may remove.
    struct Victim {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-victim-\(UUID().uuidString.prefix(8))")
        var kept: URL { directory.appendingPathComponent("x/keep.txt") }

        init() throws {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("x"), withIntermediateDirectories: true)
            try Data("not yours".utf8).write(to: kept)
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    @Test func pathsOutsideTheRootsAreRefusedBeforeAnythingIsRemoved() async throws {
        let clips = try Clips()
        let victim = try Victim()
        defer {
            clips.remove()
            victim.remove()
        }
        let source = try await clips.make("clip.mp4", width: 320, height: 240, seconds: 1, audio: false)
        try FileManager.default.createSymbolicLink(at: clips.directory.appendingPathComponent("link"), withDestinationURL: victim.directory)
        let transcode = TranscodeHLS(media: clips.media)
        let escapes: [(source: String, output: String, field: String)] = [
            (source, victim.directory.appendingPathComponent("x").path, "outputDirectory"),
            (source, clips.directory.path + "/../" + victim.directory.lastPathComponent + "/x", "outputDirectory"),
            (source, clips.output("link/x"), "outputDirectory"),
            (source, "link/x", "outputDirectory"),
            (source, clips.directory.path, "outputDirectory"),
            (source, clips.output("."), "outputDirectory"),
            (victim.kept.path, clips.output("out"), "source"),
            (clips.output("link/keep.txt"), clips.output("out"), "source"),
        ]
        for escape in escapes {
            let failure = await #expect(throws: ApplicationFailure.self, "\(escape)") {
                try await transcode.run(input: .init(source: escape.source, outputDirectory: escape.output, segmentSeconds: 1, preset: "ultrafast"))
            }
            #expect(failure?.type == "PathOutsideMediaRoot" && failure?.nonRetryable == true, "\(escape): \(String(describing: failure))")
            #expect(failure?.message.hasPrefix(escape.field) == true, "\(escape): \(String(describing: failure))")
            #expect(FileManager.default.fileExists(atPath: victim.kept.path), "\(escape) removed a file outside the root")
        }
        // The output directory is removed before each attempt, so it may not hold the source.
        try FileManager.default.createDirectory(atPath: clips.output("sub"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: source, toPath: clips.output("sub/clip.mp4"))
        let around = await #expect(throws: ApplicationFailure.self) {
            try await transcode.run(input: .init(source: clips.output("sub/clip.mp4"), outputDirectory: clips.output("sub"), segmentSeconds: 1))
        }
        #expect(around?.type == "PathOutsideMediaRoot" && around?.message.contains("holds the source") == true)
        #expect(FileManager.default.fileExists(atPath: clips.output("sub/clip.mp4")))
        let probe = await #expect(throws: ApplicationFailure.self) { try await MediaProbe(media: clips.media).run(input: .init(path: "/etc/passwd")) }
        #expect(probe?.type == "PathOutsideMediaRoot" && probe?.message.hasPrefix("path") == true)
        // Inside the root, a relative path is relative to the first root.
        let output = try await transcode.run(input: .init(source: "clip.mp4", outputDirectory: "out", segmentSeconds: 1, preset: "ultrafast"))
        #expect(output.master == clips.output("out/master.m3u8"))
    }

    @Test func namesThatBecomePathPartsMustBePlain() async throws {
        for good in ["360p", "demo-clip", "A_1", String(repeating: "a", count: 128)] { #expect(MediaName.isValid(good), "\(good)") }
        for bad in ["", "..", ".", "a/b", "../x", "-x", "_x", "a b", "a,b", "a:b", "é", "a\u{0}", String(repeating: "a", count: 129)] {
            #expect(!MediaName.isValid(bad), "\(bad)")
        }
        let clips = try Clips()
        defer { clips.remove() }
        let source = try await clips.make("clip.mp4", width: 320, height: 240, seconds: 1, audio: false)
        let failure = await #expect(throws: ApplicationFailure.self) {
            try await TranscodeHLS(media: clips.media).run(
                input: .init(source: source, outputDirectory: clips.output("out"), ladder: [HLSRung(name: "../../x", height: 240, videoBitrate: 300_000)]))
        }
        #expect(failure?.type == "InvalidMediaName" && failure?.nonRetryable == true && failure?.message.contains("ladder[].name") == true)
        let huge = await #expect(throws: ApplicationFailure.self) {
            try await TranscodeHLS(media: clips.media).run(
                input: .init(source: source, outputDirectory: clips.output("out"), ladder: [HLSRung(name: "x", height: Int.max, videoBitrate: Int.max)]))
        }
        #expect(huge?.type == "InvalidTranscodeInput" && huge?.nonRetryable == true)
    }

    @Test func theToolsSeeNoneOfTheWorkersEnvironmentAndOnlyLocalFiles() async throws {
        let clips = try Clips()
        let fakes = try FakeTools()
        defer {
            clips.remove()
            fakes.remove()
        }
        let source = try await clips.make("clip.mp4", width: 320, height: 240, seconds: 1, audio: false)
        let probe = try fakes.script("ffprobe", body: "/usr/bin/env > \"$DUMP/ffprobe.env\"\nprintf '%s\\n' \"$@\" > \"$DUMP/ffprobe.args\"\nexit 1")
        let failure = await #expect(throws: ApplicationFailure.self) {
            try await MediaProbe(media: clips.media(ffprobe: probe)).run(input: .init(path: source))
        }
        #expect(failure?.type == "MediaUnreadable")
        let ffmpeg = try fakes.script("ffmpeg", body: "/usr/bin/env > \"$DUMP/ffmpeg.env\"\nprintf '%s\\n' \"$@\" > \"$DUMP/ffmpeg.args\"\nexit 1")
        await #expect(throws: ApplicationFailure.self) {
            try await TranscodeHLS(media: clips.media(ffmpeg: ffmpeg)).run(input: .init(source: source, outputDirectory: clips.output("out")))
        }
        #expect(ProcessInfo.processInfo.environment["HOME"] != nil, "the test needs a worker variable to look for")
        for tool in ["ffprobe", "ffmpeg"] {
            let names = try fakes.read("\(tool).env").split(separator: "\n").map { String($0.split(separator: "=", maxSplits: 1)[0]) }
            #expect(names.contains("PATH"), "\(tool)")
            #expect(Set(names).isSubset(of: ["PATH", "PWD", "OLDPWD", "SHLVL", "_"]), "\(tool) saw \(names)")
            let arguments = try fakes.read("\(tool).args").split(separator: "\n").map(String.init)
            let whitelists = arguments.indices.filter { arguments[$0] == "-protocol_whitelist" && arguments[$0 + 1] == "file" }
            #expect(whitelists.count == (tool == "ffmpeg" ? 2 : 1), "\(tool): \(arguments)")
            #expect(whitelists.first.map { $0 < arguments.firstIndex(of: tool == "ffmpeg" ? "-i" : "--")! } == true, "\(tool): \(arguments)")
        }
    }

    @Test func cancellationStopsFFmpegsWholeProcessGroup() async throws {
        let clips = try Clips()
        let fakes = try FakeTools()
        defer {
            clips.remove()
            fakes.remove()
        }
        let source = try await clips.make("clip.mp4", width: 320, height: 240, seconds: 1, audio: false)
        // An ffmpeg that starts a child of its own and waits for it, as a wrapper script would.
        let ffmpeg = try fakes.script("ffmpeg", body: "sleep 300 &\necho $! > \"$DUMP/child.pid\"\necho progress=continue\nwait")
        let task = Task { try await TranscodeHLS(media: clips.media(ffmpeg: ffmpeg)).run(input: .init(source: source, outputDirectory: clips.output("out"))) }
        let deadline = ContinuousClock.now + .seconds(30)
        var child: Int32?
        while child == nil && ContinuousClock.now < deadline {
            child = (try? fakes.read("child.pid")).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            try await Task.sleep(for: .milliseconds(20))
        }
        let pid = try #require(child, "the fake ffmpeg never started its child")
        defer { if Self.alive(pid) { kill(pid, SIGKILL) } }
        #expect(Self.alive(pid))
        task.cancel()
        _ = await task.result
        let stopped = ContinuousClock.now + .seconds(10)
        while Self.alive(pid) && ContinuousClock.now < stopped { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!Self.alive(pid), "ffmpeg's child outlived the canceled attempt")
        #expect(!FileManager.default.fileExists(atPath: clips.output("out")))
    }

    /// Whether a process exists and is not a zombie.
    static func alive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let state = stat.split(separator: ")").last?.split(separator: " ").first
        else { return false }
        return state != "Z" && state != "X"
    }
}

/// Shell scripts standing in for ffmpeg and ffprobe, which write what they saw into their folder.
struct FakeTools {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-fake-tools-\(UUID().uuidString.prefix(8))")

    init() throws { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }

    func script(_ name: String, body: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try "#!/bin/sh\nDUMP='\(directory.path)'\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    func read(_ name: String) throws -> String { try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8) }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

extension Clips {
    /// The clips' root, with a tool replaced.
    func media(ffmpeg: String? = nil, ffprobe: String? = nil) -> MediaConfiguration {
        MediaConfiguration(roots: media.roots, ffmpegPath: ffmpeg, ffprobePath: ffprobe)
    }
}
