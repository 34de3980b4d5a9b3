import Foundation
import Testing

@testable import RepriseCommands

/// Hostile and mistaken configuration: each is refused with an error that names the key (and for
/// a file, the unknown keys), never a crash and never a silent default.
@Suite("Configuration validation")
struct ConfigurationValidationTests {
    static func refusal<Root>(_ layers: ConfigurationLayers, _ settings: [Setting<Root>], over defaults: Root) async -> ConfigurationError? {
        do {
            _ = try await layers.resolve(settings, over: defaults)
            return nil
        } catch {
            return error as? ConfigurationError
        }
    }

    @Test(arguments: [
        ("REPRISE_WORKER_ACTIVITY_SLOTS", "-1", "worker.activitySlots"),
        ("REPRISE_WORKER_ACTIVITY_SLOTS", "lots", "worker.activitySlots"),
        ("REPRISE_WORKER_ACTIVITY_SLOTS", "99999999999999999999999", "worker.activitySlots"),
        ("REPRISE_WORKER_POLL_INTERVAL", "1e300s", "worker.pollInterval"),
        ("REPRISE_WORKER_POLL_INTERVAL", "5 fortnights", "worker.pollInterval"),
        ("REPRISE_WORKER_POLL_INTERVAL", "-2s", "worker.pollInterval"),
        ("REPRISE_WORKER_POLL_INTERVAL", "nan", "worker.pollInterval"),
        ("REPRISE_LIMITS_MAX_PAYLOAD_BYTES", "9999999999999GiB", "limits.maxPayloadBytes"),
        ("REPRISE_LIMITS_MAX_PAYLOAD_BYTES", "12", "limits.maxPayloadBytes"),
        ("REPRISE_WORKER_TASK_QUEUE", "bad\u{1}queue", "worker.taskQueue"),
        ("REPRISE_WORKER_NAMESPACES", "a,,b", "worker.namespaces"),
        ("REPRISE_DATABASE_MAX_CONNECTIONS", "0", "database.maxConnections"),
    ])
    func aBadValueFromTheEnvironmentNamesItsKeyAndVariable(variable: String, value: String, key: String) async throws {
        let error = await Self.refusal(ConfigurationLayers(environment: [variable: value]), WorkerConfiguration.settings, over: WorkerConfiguration())
        #expect(error?.code == .invalidValue)
        #expect(error?.description.hasPrefix("\(key) (from env \(variable)): expected") == true, "\(String(describing: error))")
    }

    @Test func aBadPortOrHostFromAFlagNamesTheFlag() async throws {
        for (key, value) in [("http.port", "70000"), ("http.port", "eighty"), ("http.host", "bad host/")] {
            let layers = ConfigurationLayers(flags: [.init(key: key, value: value, flag: "--bind")], environment: [:])
            let error = await Self.refusal(layers, ServerConfiguration.settings, over: ServerConfiguration())
            #expect(error?.description.hasPrefix("\(key) (from flag --bind)") == true, "\(String(describing: error))")
        }
    }

    @Test func aShortAdminTokenIsRefusedAndSaysHowToMakeOne() async throws {
        let error = await Self.refusal(
            ConfigurationLayers(environment: ["REPRISE_ADMIN_TOKEN": "short"]), ServerConfiguration.settings, over: ServerConfiguration())
        #expect(error?.description.contains("adminToken (from env REPRISE_ADMIN_TOKEN)") == true, "\(String(describing: error))")
        #expect(error?.description.contains("openssl rand -hex 32") == true)
        #expect(error?.description.contains("short") == false, "a secret is never echoed")
    }

    @Test(arguments: ["settings.json", "settings.yaml"])
    func unknownKeysInAFileAreNamed(name: String) async throws {
        let text =
            name.hasSuffix("json")
            ? #"{"worker": {"activitySlot": 3, "runCacheSize": 5}, "colour": "blue"}"#
            : "worker:\n  activitySlot: 3\n  runCacheSize: 5\ncolour: blue\n"
        let path = try ConfigurationPrecedenceTests.file(name, text)
        let error = await Self.refusal(ConfigurationLayers(environment: [:], file: path), WorkerConfiguration.settings, over: WorkerConfiguration())
        #expect(error?.code == .unknownKeys)
        #expect(error?.description.contains("colour, worker.activitySlot") == true, "\(String(describing: error))")
    }

    @Test func aKeyOfAnotherProcessIsAcceptedSoOneFileServesServerAndWorkers() async throws {
        let path = try ConfigurationPrecedenceTests.file("shared.yaml", "worker:\n  activitySlots: 9\nhttp:\n  longPollWait: 10s\n")
        let (server, _) = try await ConfigurationLayers(environment: [:], file: path).resolve(ServerConfiguration.settings, over: ServerConfiguration())
        #expect(server.api.historyWaitTimeout == .seconds(10))
        let (worker, _) = try await ConfigurationLayers(environment: [:], file: path).resolve(WorkerConfiguration.settings, over: WorkerConfiguration())
        #expect(worker.worker.maxConcurrentActivities == 9)
    }

    @Test(arguments: [
        ("bad.json", #"{"worker": {"activitySlots": [1, 2]}}"#, "worker.activitySlots"),
        ("bad.json", #"{"worker": {"activitySlots": "many"}}"#, "worker.activitySlots"),
        ("bad.yaml", "worker:\n  pollInterval: forever\n", "worker.pollInterval"),
    ])
    func aBadValueInAFileNamesItsKeyAndTheFile(name: String, text: String, key: String) async throws {
        let path = try ConfigurationPrecedenceTests.file(name, text)
        let error = await Self.refusal(ConfigurationLayers(environment: [:], file: path), WorkerConfiguration.settings, over: WorkerConfiguration())
        #expect(error?.code == .invalidValue)
        #expect(error?.description.hasPrefix("\(key) (from file \(path))") == true, "\(String(describing: error))")
    }

    @Test(arguments: [
        ("settings.toml", "worker = 1"), ("broken.json", "{\"worker\": "), ("list.yaml", "- a\n- b\n"), ("tabs.yaml", "worker:\n\t- : :\n"),
    ])
    func aFileThatCannotBeReadIsAnErrorNamingIt(name: String, text: String) async throws {
        let path = try ConfigurationPrecedenceTests.file(name, text)
        let error = await Self.refusal(ConfigurationLayers(environment: [:], file: path), WorkerConfiguration.settings, over: WorkerConfiguration())
        #expect(error?.code == .unreadableFile)
        #expect(error?.description.hasPrefix("--config \(path):") == true, "\(String(describing: error))")
    }

    @Test func aMissingFileIsAnError() async throws {
        let error = await Self.refusal(
            ConfigurationLayers(environment: [:], file: "/nonexistent/reprise.yaml"), WorkerConfiguration.settings, over: WorkerConfiguration())
        #expect(error?.code == .unreadableFile)
    }

    @Test func durationsAndSizesReadTheirUnitsAndRenderBack() throws {
        #expect(try SettingValue.duration("500ms", key: "k", in: .zero...(.seconds(10))) == .milliseconds(500))
        #expect(try SettingValue.duration("2m", key: "k", in: .zero...(.seconds(3600))) == .seconds(120))
        #expect(try SettingValue.duration("1.5", key: "k", in: .zero...(.seconds(10))) == .milliseconds(1500))
        #expect(try SettingValue.size("2MiB", key: "k", in: 0...(1 << 30)) == 2 << 20)
        #expect(try SettingValue.size("10 KB", key: "k", in: 0...(1 << 30)) == 10_000)
        #expect(SettingValue.render(.seconds(3600)) == "1h" && SettingValue.render(.milliseconds(1500)) == "1500ms")
        #expect(SettingValue.render(bytes: 2 << 20) == "2MiB" && SettingValue.render(bytes: 1000) == "1000")
    }
}

extension ConfigurationValidationTests {
    @Test(arguments: [
        ("deep.json", String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)),
        ("deep.yaml", "worker: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)),
        ("indented.yaml", (0..<200).map { String(repeating: "  ", count: $0) + "k\($0):" }.joined(separator: "\n") + " 1\n"),
        ("aliases.yaml", "a: &a {x: 1, y: 2, z: 3, w: 4, v: 5, u: 6, t: 7, s: 8, r: 9, q: 10}\n"
            + (1...8).map { "b\($0): &b\($0) {p: *\($0 == 1 ? "a" : "b\($0 - 1)"), q: *\($0 == 1 ? "a" : "b\($0 - 1)"), r: *\($0 == 1 ? "a" : "b\($0 - 1)")}" }
            .joined(separator: "\n") + "\n"),
    ])
    func aHostileFileIsRefusedNotWalked(name: String, text: String) async throws {
        let path = try ConfigurationPrecedenceTests.file(name, text)
        let error = await Self.refusal(ConfigurationLayers(environment: [:], file: path), WorkerConfiguration.settings, over: WorkerConfiguration())
        #expect(error?.code == .unreadableFile, "\(String(describing: error))")
    }

    @Test func aPasswordGivenAsAParameterIsRedactedToo() {
        let shown = ConfigurationLayers.redacted("postgres://app@db/reprise?sslmode=require&password=hunter2", key: "database.url")
        #expect(!shown.contains("hunter2") && shown.contains("sslmode=require"), "\(shown)")
    }
}
