import Foundation
import Testing

@testable import RepriseCommands

/// docs/configuration.md's table of keys is the one the code defines: every key, its variable,
/// its flag, its default in each process, and whether it is secret.
@Suite("docs/configuration.md")
struct ConfigurationDocsTests {
    static let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/configuration.md")

    /// The table as the code has it.
    static var table: String {
        var rows: [String: (env: String, secret: Bool, help: String, form: String, defaults: [(String, String)])] = [:]
        var order: [String] = []
        func add<Root>(_ process: String, _ settings: [Setting<Root>], _ defaults: Root) {
            for setting in settings {
                if rows[setting.key] == nil {
                    order.append(setting.key)
                    rows[setting.key] = (setting.environmentName, setting.secret, setting.help, setting.form, [])
                }
                let shown = setting.secret ? "unset" : (setting.render(defaults) ?? "unset")
                rows[setting.key]?.defaults.append((process, shown.isEmpty ? "empty" : shown))
            }
        }
        add("server", ServerConfiguration.settings, ServerConfiguration())
        add("worker", WorkerConfiguration.settings, WorkerConfiguration())
        add("dev", DevConfiguration.settings, DevConfiguration())
        let header = "| Key | Environment | Flag | Default | Values | Secret | Processes | What |\n|---|---|---|---|---|---|---|---|"
        func shown(_ value: String) -> String { ["unset", "empty"].contains(value) ? value : "`\(value)`" }
        return ([header] + order.map { key in
            let row = rows[key]!
            let distinct = Set(row.defaults.map(\.1))
            // A computed default (the host name and pid) differs by machine: shown by what it is.
            let defaults =
                key == "worker.identity" ? "host:pid"
                : distinct.count == 1 ? shown(row.defaults[0].1) : row.defaults.map { "\($0.0): \(shown($0.1))" }.joined(separator: "; ")
            let processes = row.defaults.map(\.0).joined(separator: ", ")
            let flag = ConfigurationOptions.namedFlags[key].map { "`\($0)`" } ?? "`--set`"
            return "| `\(key)` | `\(row.env)` | \(flag) | \(defaults) | \(row.form) | \(row.secret ? "yes" : "") | \(processes) | \(row.help) |"
        }).joined(separator: "\n")
    }

    @Test func theTableOfKeysMatchesTheCode() throws {
        let text = try String(contentsOf: Self.docs, encoding: .utf8)
        guard let start = text.range(of: "<!-- keys -->\n"), let end = text.range(of: "<!-- /keys -->", range: start.upperBound..<text.endIndex) else {
            Issue.record("docs/configuration.md has no <!-- keys --> … <!-- /keys --> table")
            return
        }
        let documented = String(text[start.upperBound..<end.lowerBound]).trimmingCharacters(in: .newlines)
        #expect(documented == Self.table, "regenerate the table between the markers:\n\(Self.table)")
    }
}

extension ConfigurationDocsTests {
    @Test(arguments: ["reprise.yaml", "reprise.json"])
    func theExampleFilesLoadForEveryProcess(name: String) async throws {
        let path = Self.docs.deletingLastPathComponent().appendingPathComponent("examples/\(name)").path
        let layers = ConfigurationLayers(environment: [:], file: path)
        let (server, _) = try await layers.resolve(ServerConfiguration.settings, over: ServerConfiguration())
        let (worker, _) = try await layers.resolve(WorkerConfiguration.settings, over: WorkerConfiguration())
        _ = try await layers.resolve(DevConfiguration.settings, over: DevConfiguration())
        #expect(server.database.maxConnections == 30 && server.http.port == 8233)
        #expect(worker.worker.maxConcurrentActivities == (name.hasSuffix("json") ? 32 : 64))
    }
}
