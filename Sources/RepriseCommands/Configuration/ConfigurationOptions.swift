import ArgumentParser
import Foundation

/// The options every process command has for its configuration: the file, `--set`, the database,
/// and `--print-config`. A flag left out is nil, so that the environment, the file or the default
/// decides (a flag's default would always win).
struct ConfigurationOptions: ParsableArguments {
    @Option(
        name: .customLong("config"),
        help: ArgumentHelp("A JSON or YAML file of settings (docs/configuration.md). Flags and REPRISE_* variables win over it.", valueName: "file"))
    var file: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Set any key, e.g. --set worker.activitySlots=8; repeatable.", valueName: "key=value"))
    var assignments: [String] = []

    @Flag(help: "Print each setting, its value and where it came from (secrets redacted), and exit.")
    var printConfig = false

    @Option(help: "The database (key database.url). Env: REPRISE_DATABASE_URL or DATABASE_URL.")
    var databaseURL: String?

    /// The flags given, as keys: `--set` pairs first, so that a named flag wins over a `--set` of its key.
    func flagValues(_ named: [(key: String, value: String?, flag: String)]) throws -> [ConfigurationLayers.FlagValue] {
        var values = try assignments.map { assignment in
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw ValidationError("--set takes key=value, got \(assignment)")
            }
            return ConfigurationLayers.FlagValue(
                key: String(assignment[..<equals]).trimmingCharacters(in: .whitespaces), value: String(assignment[assignment.index(after: equals)...]),
                flag: "--set")
        }
        var all = named
        all.insert((key: "database.url", value: databaseURL, flag: "--database-url"), at: 0)
        values += all.compactMap { entry in entry.value.map { ConfigurationLayers.FlagValue(key: entry.key, value: $0, flag: entry.flag) } }
        return values
    }

    /// Resolves `settings` from the flags, the environment and the file, printing them and exiting
    /// instead when `--print-config` is given. A bad value is a usage error naming its key.
    func resolve<Root>(
        _ settings: [Setting<Root>], over defaults: Root, flags named: [(key: String, value: String?, flag: String)],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> Root {
        let flags = try flagValues(named)
        let known = Set(settings.map(\.key))
        if let unknown = flags.first(where: { !known.contains($0.key) }) {
            throw ValidationError("\(unknown.flag) \(unknown.key): not a key of this command (\(RepriseCLI.commandName) … --print-config lists them)")
        }
        let layers = ConfigurationLayers(flags: flags, environment: environment, file: file)
        do {
            let (root, resolved) = try await layers.resolve(settings, over: defaults)
            if printConfig {
                print(ConfigurationReport(resolved: resolved, environment: environment).text)
                throw ExitCode.success
            }
            return root
        } catch let error as ConfigurationError {
            throw error.validationError
        }
    }
}

/// `--host`, `--port` and `--bind HOST:PORT`: the keys `http.host` and `http.port`, the same on
/// `dev` and `server`.
struct ListenOptions: ParsableArguments {
    @Option(help: "The address the API listens on (key http.host).")
    var host: String?

    @Option(help: "The port the API listens on (key http.port).")
    var port: String?

    @Option(help: "HOST:PORT: --host and --port in one.")
    var bind: String?

    var flags: [(key: String, value: String?, flag: String)] {
        get throws {
            var hostFlag = host.map { ($0, "--host") }, portFlag = port.map { ($0, "--port") }
            if let bind {
                // The last colon splits, so that an IPv6 host keeps its own.
                guard let colon = bind.lastIndex(of: ":"), colon != bind.startIndex else {
                    throw ValidationError("--bind must be HOST:PORT, got \(bind)")
                }
                hostFlag = hostFlag ?? (String(bind[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), "--bind")
                portFlag = portFlag ?? (String(bind[bind.index(after: colon)...]), "--bind")
            }
            return [
                (key: "http.host", value: hostFlag?.0, flag: hostFlag?.1 ?? "--host"),
                (key: "http.port", value: portFlag?.0, flag: portFlag?.1 ?? "--port"),
            ]
        }
    }
}

extension ConfigurationOptions {
    /// The named flags and the keys they give, for docs/configuration.md; every key also takes
    /// `--set KEY=VALUE`.
    static let namedFlags: [String: String] = [
        "database.url": "--database-url", "http.host": "--host, --bind", "http.port": "--port, --bind", "insecure": "--insecure",
        "worker.taskQueue": "--task-queue", "worker.namespaces": "--namespace", "worker.activitySlots": "--concurrency (worker)",
        "worker.build": "--build (worker)", "dev.dataDir": "--data-dir", "dev.postgresPort": "--postgres-port",
    ]
}
