import Configuration
import Foundation
import Synchronization

/// Where a process's configuration comes from, highest precedence first: command-line flags, then
/// `REPRISE_*` environment variables (and the older names some keys had, such as `DATABASE_URL`),
/// then the `--config` file, then the defaults.
struct ConfigurationLayers {
    /// A value given on the command line, and the flag that gave it (for `--print-config`).
    struct FlagValue {
        var key: String
        var value: String
        var flag: String
    }

    var flags: [FlagValue] = []
    var environment: [String: String] = ProcessInfo.processInfo.environment
    var file: String?
    /// Names a key had before it had a `REPRISE_` one, still read after the `REPRISE_` name.
    static let legacyEnvironmentNames: [String: String] = [
        "database.url": "DATABASE_URL", "media.ffmpegPath": "FFMPEG_PATH", "media.ffprobePath": "FFPROBE_PATH",
    ]

    /// One key's value and where it came from, as `--print-config` shows it.
    struct Resolved: Equatable {
        var key: String
        var value: String
        var source: String
    }

    /// Reads `settings` over `defaults` through swift-configuration.
    ///
    /// - Returns: the configuration, and each key's shown value and source.
    /// - Throws: ``ConfigurationError`` naming the key (and its source) of the first bad value, or
    ///   the file's unknown keys.
    func resolve<Root>(_ settings: [Setting<Root>], over defaults: Root) async throws -> (Root, [Resolved]) {
        let secretKeys = Set(settings.filter(\.secret).map(\.key))
        let flagValues = Dictionary(flags.map { ($0.key, $0) }, uniquingKeysWith: { $1 })
        var providers: [any ConfigProvider] = [
            InMemoryProvider(
                name: "flags",
                values: Dictionary(uniqueKeysWithValues: flagValues.values.map {
                    (AbsoluteConfigKey(ConfigKey($0.key)), ConfigValue(.string($0.value), isSecret: secretKeys.contains($0.key)))
                })),
            EnvironmentVariablesProvider(
                environmentVariables: Dictionary(
                    environment.compactMap { name, value in name.hasPrefix("REPRISE_") && !value.isEmpty ? (String(name.dropFirst(8)), value) : nil },
                    uniquingKeysWith: { $1 }),
                secretsSpecifier: .specific(Set(settings.filter(\.secret).map { Setting<Root>.environmentSpelling(of: $0.key) }))),
            EnvironmentVariablesProvider(
                environmentVariables: Dictionary(
                    Self.legacyEnvironmentNames.compactMap { key, name in
                        environment[name].flatMap { $0.isEmpty ? nil : (Setting<Root>.environmentSpelling(of: key), $0) }
                    },
                    uniquingKeysWith: { $1 }),
                secretsSpecifier: .all),
        ]
        if let file {
            providers.append(try await ConfigurationFile.load(path: file, knownKeys: ConfigurationKeys.all, secretKeys: secretKeys).provider)
        }
        let recorder = ProvenanceRecorder()
        let reader = ConfigReader(providers: providers, accessReporter: recorder)
        var root = defaults
        var resolved: [Resolved] = []
        for setting in settings {
            // The layers in the order of `providers`, as --print-config names them.
            let source = { (layer: Int) -> String in
                switch layer {
                case 0: "flag \(flagValues[setting.key]?.flag ?? "--set")"
                case 1: "env \(setting.environmentName)"
                case 2: "env \(Self.legacyEnvironmentNames[setting.key] ?? setting.environmentName)"
                default: "file \(file ?? "")"
                }
            }
            var shownSource = "default"
            if let (text, layer) = try Self.read(setting.key, secret: setting.secret, reader: reader, recorder: recorder, source: source) {
                shownSource = source(layer)
                do { try setting.apply(&root, text) } catch let error as ConfigurationError { throw error.from(shownSource) }
            }
            let shown = setting.render(root).map { setting.secret ? Self.redacted($0, key: setting.key) : $0 } ?? "(unset)"
            resolved.append(Resolved(key: setting.key, value: shown, source: shownSource))
        }
        return (root, resolved)
    }

    /// The key's value as text, and the index of the layer that gave it; nil when no layer has it.
    /// Flags and environment variables are text; a file may hold a number, a boolean or a list,
    /// tried in turn when the text read fails on its type.
    private static func read(
        _ key: String, secret: Bool, reader: ConfigReader, recorder: ProvenanceRecorder, source: (Int) -> String
    ) throws -> (String, Int)? {
        let configKey = ConfigKey(key)
        let attempts: [() -> String?] = [
            { reader.string(forKey: configKey, isSecret: secret) },
            { reader.int(forKey: configKey, isSecret: secret).map(String.init) },
            { reader.double(forKey: configKey, isSecret: secret).map { "\($0)" } },
            { reader.bool(forKey: configKey, isSecret: secret).map(String.init) },
            { reader.stringArray(forKey: configKey, isSecret: secret)?.joined(separator: ",") },
        ]
        for attempt in attempts {
            recorder.reset()
            if let text = attempt(), let layer = recorder.layer { return (text, layer) }
            if recorder.failedLayer == nil { return nil }
        }
        throw ConfigurationError(
            code: .invalidValue, description: "\(key) (from \(source(recorder.failedLayer ?? 3))): the value must be text, a number, true or false, or a list")
    }

    /// A secret as shown: a database URL keeps all but its password; anything else is hidden.
    static func redacted(_ value: String, key: String) -> String {
        if key == "database.url", var components = URLComponents(string: value) {
            if components.password != nil { components.password = "redacted" }
            // libpq also takes the password as a parameter.
            components.queryItems = components.queryItems?.map { $0.name == "password" ? URLQueryItem(name: $0.name, value: "redacted") : $0 }
            return components.string ?? "<redacted>"
        }
        return "<redacted>"
    }
}

/// Notes which provider answered the last read, and which failed on the value's type: the
/// provenance `--print-config` shows, taken from swift-configuration's access events.
final class ProvenanceRecorder: AccessReporter, Sendable {
    private let state = Mutex<(layer: Int?, failedLayer: Int?)>((nil, nil))

    var layer: Int? { state.withLock { $0.layer } }
    var failedLayer: Int? { state.withLock { $0.failedLayer } }

    func reset() { state.withLock { $0 = (nil, nil) } }

    func report(_ event: AccessEvent) {
        let answered = event.providerResults.firstIndex { if case .success(let lookup) = $0.result { lookup.value != nil } else { false } }
        let failed = event.providerResults.firstIndex { if case .failure = $0.result { true } else { false } }
        state.withLock { $0 = (event.conversionError == nil ? answered : nil, failed ?? (event.conversionError != nil ? answered : nil)) }
    }
}
