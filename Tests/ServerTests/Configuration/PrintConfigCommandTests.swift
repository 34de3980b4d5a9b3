import Foundation
import Logging
import RepriseTesting
import Testing
import TestSupport

/// `--print-config` and configuration errors through the real `reprise` binary, as an operator
/// meets them: values, their sources, secrets redacted, and refusals before any connection.
@Suite("reprise --print-config")
struct PrintConfigCommandTests {
    /// The printed row of `key`: its value and source.
    static func row(_ output: String, _ key: String) -> (value: String, source: String)? {
        for line in output.split(separator: "\n") {
            let fields = line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if fields.count == 3, fields[0] == key { return (fields[1], fields[2]) }
        }
        return nil
    }

    @Test func serverShowsEachValueAndItsSourceWithSecretsRedacted() async throws {
        let file = try ConfigurationPrecedenceTests.file("server.yaml", "http:\n  port: 9001\n  longPollWait: 7s\nlimits:\n  maxPendingSignals: 50\n")
        let token = String(repeating: "t0ken", count: 8)
        var cli = CLI(port: 1, token: nil)
        cli.environment = [
            "DATABASE_URL": "postgres://app:s3cretpw@127.0.0.1:1/db", "REPRISE_ADMIN_TOKEN": token, "REPRISE_HTTP_HOST": "127.0.0.2",
            "REPRISE_LIMITS_MAX_PENDING_SIGNALS": nil, "REPRISE_HTTP_PORT": nil, "REPRISE_DATABASE_URL": nil,
        ]
        // Port 1 has no database: printing must not connect.
        let printed = try await cli.run(["server", "--config", file, "--port", "9002", "--print-config"], client: false)
        #expect(printed.code == 0, "\(printed.err)")
        #expect(Self.row(printed.out, "http.port")?.value == "9002")
        #expect(Self.row(printed.out, "http.port")?.source == "flag --port")
        #expect(Self.row(printed.out, "http.host")?.source == "env REPRISE_HTTP_HOST")
        #expect(Self.row(printed.out, "http.longPollWait")?.value == "7s")
        #expect(Self.row(printed.out, "http.longPollWait")?.source == "file \(file)")
        #expect(Self.row(printed.out, "limits.maxPendingSignals")?.value == "50")
        #expect(Self.row(printed.out, "http.maxBodySize")?.value == "2MiB")
        #expect(Self.row(printed.out, "http.maxBodySize")?.source == "default")
        #expect(Self.row(printed.out, "database.url")?.value == "postgres://app:redacted@127.0.0.1:1/db")
        #expect(Self.row(printed.out, "database.url")?.source == "env DATABASE_URL")
        #expect(Self.row(printed.out, "adminToken")?.value == "<redacted>")
        #expect(!printed.out.contains("s3cretpw") && !printed.out.contains(token), "secrets leak: \(printed.out)")
    }

    @Test func workerAndDevPrintTheirOwnKeys() async throws {
        var cli = CLI(port: 1, token: nil)
        cli.environment = ["REPRISE_WORKER_ACTIVITY_SLOTS": "5", "DATABASE_URL": nil, "REPRISE_DATABASE_URL": nil]
        let worker = try await cli.run(["worker", "--print-config", "--concurrency", "6", "--set", "worker.runCacheSize=77"], client: false)
        #expect(worker.code == 0, "\(worker.err)")
        #expect(Self.row(worker.out, "worker.activitySlots")?.source == "flag --concurrency")
        #expect(Self.row(worker.out, "worker.runCacheSize")?.source == "flag --set")
        #expect(Self.row(worker.out, "http.port") == nil, "the worker has no listener")
        let dev = try await cli.run(["dev", "--print-config"], client: false)
        #expect(dev.code == 0, "\(dev.err)")
        #expect(Self.row(dev.out, "http.host")?.value == "127.0.0.1")
        #expect(Self.row(dev.out, "worker.activitySlots")?.source == "env REPRISE_WORKER_ACTIVITY_SLOTS")
        #expect(Self.row(dev.out, "database.url")?.value == "(unset)")
    }

    @Test func badConfigurationIsAUsageErrorBeforeAnyConnection() async throws {
        let file = try ConfigurationPrecedenceTests.file("typo.json", #"{"worker": {"activitySlot": 3}}"#)
        let cli = CLI(port: 1, token: nil)
        let database = ["--database-url", "postgres://nobody@127.0.0.1:1/none"]
        let unknown = try await cli.run(["worker", "--config", file] + database, client: false)
        #expect(unknown.code == 64 && unknown.err.contains("unknown configuration key worker.activitySlot"), "\(unknown.err)")
        let bad = try await cli.run(["dev", "--set", "http.port=abc"] + database, client: false)
        #expect(bad.code == 64 && bad.err.contains("http.port (from flag --set): expected a whole number"), "\(bad.err)")
        let foreign = try await cli.run(["worker", "--set", "http.port=8233"] + database, client: false)
        #expect(foreign.code == 64 && foreign.err.contains("not a key of this command"), "\(foreign.err)")
        let exposed = try await cli.run(["dev", "--host", "0.0.0.0"] + database, client: false)
        #expect(exposed.code == 64 && exposed.err.contains("loopback only"), "\(exposed.err)")
    }
}

extension PrintConfigCommandTests {
    /// The keys reach the running server: its port from a YAML file, its body limit from `--set`.
    @Test func aServerRunsWithItsFileAndFlags() async throws {
        try await TestDatabase.with(logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })) { database in
            let port = 30_000 + Int.random(in: 0..<2_700)  // between the test clusters (10,000–29,999) and the ephemeral range
            let file = try ConfigurationPrecedenceTests.file("server.yaml", "http:\n  host: 127.0.0.1\n  port: \(port)\n")
            let cli = CLI(port: port, token: nil)
            let status = try await CLI.whileRunning(
                ["server", "--config", file, "--set", "http.maxBodySize=1KiB", "--insecure", "--database-url", database.url]
            ) {
                try await cli.waitForServer()
                let small = try await cli("workflow", "start", "--type", "CardCheckout", "--workflow-id", "small", "--input", #"{"orderId":"s"}"#)
                #expect(small.code == 0, "\(small.err)")
                let large = #"{"orderId":""# + String(repeating: "x", count: 2048) + #""}"#
                let refused = try await cli("workflow", "start", "--type", "CardCheckout", "--workflow-id", "large", "--input", large)
                #expect(refused.code != 0 && refused.err.contains("PayloadTooLarge"), "\(refused.err)")
            }
            #expect(status == .exited(0))
        }
    }
}
