import Foundation
import Testing
import Workers

@testable import RepriseCommands

/// Where a setting's value comes from: a flag beats a `REPRISE_*` variable, which beats the
/// `--config` file, which beats the default; JSON and YAML files alike.
@Suite("Configuration precedence")
struct ConfigurationPrecedenceTests {
    /// A file in a fresh directory, removed by the caller's `defer`.
    static func file(_ name: String, _ text: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static let json = #"{"worker": {"activitySlots": 3, "runCacheSize": 5, "pollInterval": "3s", "workflowTaskLease": 12}, "limits": {"maxPayloadBytes": "1MiB"}}"#
    static let yaml = """
        worker:
          activitySlots: 3
          runCacheSize: 5
          pollInterval: 3s
          workflowTaskLease: 12
        limits:
          maxPayloadBytes: 1MiB
        """

    @Test(arguments: [("settings.json", json), ("settings.yaml", yaml), ("settings.yml", yaml)])
    func aFlagBeatsTheEnvironmentWhichBeatsTheFileWhichBeatsTheDefault(name: String, text: String) async throws {
        let path = try Self.file(name, text)
        let layers = ConfigurationLayers(
            flags: [.init(key: "worker.activitySlots", value: "7", flag: "--concurrency")],
            environment: ["REPRISE_WORKER_ACTIVITY_SLOTS": "4", "REPRISE_WORKER_RUN_CACHE_SIZE": "6"], file: path)
        let (settings, resolved) = try await layers.resolve(WorkerConfiguration.settings, over: WorkerConfiguration())
        #expect(settings.worker.maxConcurrentActivities == 7)
        #expect(settings.worker.runCacheSize == 6)
        #expect(settings.worker.pollInterval == .seconds(3))
        #expect(settings.worker.workflowTaskLease == .seconds(12))
        #expect(settings.limits.maxPayloadBytes == 1 << 20)
        #expect(settings.worker.maxConcurrentWorkflowTasks == Worker.Configuration(taskQueue: "main").maxConcurrentWorkflowTasks)
        let sources = Dictionary(uniqueKeysWithValues: resolved.map { ($0.key, $0.source) })
        #expect(sources["worker.activitySlots"] == "flag --concurrency")
        #expect(sources["worker.runCacheSize"] == "env REPRISE_WORKER_RUN_CACHE_SIZE")
        #expect(sources["worker.pollInterval"] == "file \(path)")
        #expect(sources["worker.workflowTaskSlots"] == "default")
    }

    @Test func withoutAFlagTheEnvironmentBeatsTheFile() async throws {
        let path = try Self.file("settings.json", Self.json)
        let layers = ConfigurationLayers(environment: ["REPRISE_WORKER_ACTIVITY_SLOTS": "4"], file: path)
        let (settings, _) = try await layers.resolve(WorkerConfiguration.settings, over: WorkerConfiguration())
        #expect(settings.worker.maxConcurrentActivities == 4)
    }

    @Test func databaseURLIsStillReadAndTheReprisePrefixedNameWins() async throws {
        let legacy = ConfigurationLayers(environment: ["DATABASE_URL": "postgres://a@h/legacy"])
        let (old, resolved) = try await legacy.resolve(ServerConfiguration.settings, over: ServerConfiguration())
        #expect(old.database.url == "postgres://a@h/legacy")
        #expect(resolved.first { $0.key == "database.url" }?.source == "env DATABASE_URL")
        let both = ConfigurationLayers(environment: ["DATABASE_URL": "postgres://a@h/legacy", "REPRISE_DATABASE_URL": "postgres://a@h/new"])
        #expect(try await both.resolve(ServerConfiguration.settings, over: ServerConfiguration()).0.database.url == "postgres://a@h/new")
    }

    @Test func anEmptyVariableIsUnsetAndHostAndPortShareOneSchemeAcrossDevAndServer() async throws {
        let layers = ConfigurationLayers(environment: ["REPRISE_HTTP_PORT": "9100", "REPRISE_HTTP_HOST": "", "REPRISE_ADMIN_TOKEN": ""])
        let (server, _) = try await layers.resolve(ServerConfiguration.settings, over: ServerConfiguration())
        let (dev, _) = try await layers.resolve(DevConfiguration.settings, over: DevConfiguration())
        #expect(server.http.port == 9100 && dev.http.port == 9100)
        #expect(server.http.host == "0.0.0.0" && dev.http.host == "127.0.0.1")
        #expect(server.api.adminToken == nil)
    }

    @Test func everyKeyIsAKeyOfSomeProcessAndNoneIsDeclaredTwice() {
        for settings in [ServerConfiguration.settings.map(\.key), WorkerConfiguration.settings.map(\.key), DevConfiguration.settings.map(\.key)] {
            #expect(Set(settings).count == settings.count)
        }
        #expect(ConfigurationKeys.all.contains("worker.activitySlots") && ConfigurationKeys.all.contains("http.longPollWait"))
    }
}
