import Foundation
import RepriseTesting
import Subprocess
import Testing
import TestSupport
import Workers
import Workflow

/// Fails with a business failure: the run ends `Failed`.
struct Refuser: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        throw ApplicationFailure("refused \(input)", type: "Refused")
    }
}

/// Its workflow task always throws: the run is `Paused` after the worker's attempts.
struct Crasher: Workflow {
    struct Bug: Error {}
    func run(context: WorkflowContext, input: String) async throws -> String { throw Bug() }
}

/// The CLI commands and flags that bring it to parity with the API (issue 21, item 4).
@Suite("The reprise CLI at parity with the API")
struct CLIParityTests {
    static let workflows: [any Workflow.Type] = [Waiter.self, Refuser.self, Crasher.self, Relay.self]

    @Test func resumeRunsAPausedRunsTaskAgain() async throws {
        try await APIHarness.run(workflows: Self.workflows, skipTime: true, maxWorkflowTaskAttempts: 2) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            #expect(try await reprise("workflow", "start", "--type", "Crasher", "--workflow-id", "crash", "--input", #""x""#).code == 0)
            try await api.env.waitUntil("the run is paused") { try await api.env.describe("crash").status == .paused }
            let failures = try await api.env.history("crash").filter { $0.eventType == .workflowTaskFailed }.count
            let resumed = try await reprise("workflow", "resume", "crash")
            #expect(resumed.code == 0 && resumed.out.contains("Resumed crash"), "\(resumed.err)")
            try await api.env.waitUntil("the resumed run's task runs (and fails) again") {
                try await api.env.history("crash").filter { $0.eventType == .workflowTaskFailed }.count > failures
            }
            // Paused again after its attempts: `result` keeps waiting (for a resume) and says why. It has
            // 10 s to say so: a debug binary on a loaded machine can take seconds to start.
            try await api.env.waitUntil("the run is paused again") { try await api.env.describe("crash").status == .paused }
            let waiting = try await Subprocess.run(
                .path("/usr/bin/timeout"), arguments: ["10", CLI.binary, "workflow", "result", "crash", "--address", "http://127.0.0.1:\(api.client.port!)", "--token", api.adminToken],
                output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
            #expect(waiting.terminationStatus == .exited(124), "\(waiting.standardError)")
            #expect(waiting.standardError.contains("is Paused ("), "\(waiting.standardError)")
            let notPaused = try await reprise("workflow", "resume", "nope")
            #expect(notPaused.code != 0 && notPaused.err.contains("WorkflowNotFound"))
        }
    }

    @Test func resultWaitsAndPrintsTheResultOrExitsNonZeroWithTheFailure() async throws {
        try await APIHarness.run(workflows: Self.workflows) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            #expect(try await reprise("workflow", "start", "--type", "Waiter", "--workflow-id", "w", "--input", #""w""#).code == 0)
            async let waited = reprise("workflow", "result", "w")
            try await api.env.waitUntil("w waits") { try await api.env.describe("w").historyLength >= 4 }
            #expect(try await reprise("workflow", "signal", "w", "--name", "approve", "--input", #""yes""#).code == 0)
            let completed = try await waited
            #expect(completed.code == 0, "\(completed.err)")
            #expect(completed.out == "\"w: yes\"\n")

            #expect(try await reprise("workflow", "start", "--type", "Refuser", "--workflow-id", "r", "--input", #""it""#).code == 0)
            let failed = try await reprise("workflow", "result", "r")
            #expect(failed.code == 1)
            #expect(failed.out.isEmpty)
            #expect(failed.err.contains("ended Failed") && failed.err.contains("Refused: refused it"), "\(failed.err)")
            let json = try await reprise("workflow", "result", "r", "-o", "json")
            #expect(json.code == 1 && json.json["failure"]?["type"] == .string("Refused"))
        }
    }

    @Test func runIdPicksAnOlderRunOfAChain() async throws {
        try await APIHarness.run(workflows: Self.workflows) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            let started = try await reprise("workflow", "start", "--type", "Relay", "--workflow-id", "relay", "--input", #"{"left":1,"wait":true}"#, "-o", "json")
            let first = plain(started.json["runId"])
            try await api.env.waitUntil("the second run waits") { try await api.env.describe("relay").historyLength >= 4 }
            let older = try await reprise("workflow", "describe", "relay", "--run-id", first, "-o", "json")
            #expect(older.json["status"] == .string("ContinuedAsNew"))
            let latest = plain(older.json["newExecutionRunId"])
            let shown = try await reprise("workflow", "show", "relay", "--run-id", first)
            #expect(shown.out.contains("WorkflowExecutionContinuedAsNew"))
            // A closed run takes no signal; the open one does.
            let closed = try await reprise("workflow", "signal", "relay", "--run-id", first, "--name", "approve", "--input", #""ann""#)
            #expect(closed.code != 0 && closed.err.contains("WorkflowExecutionClosed"), "\(closed.err)")
            #expect(try await reprise("workflow", "cancel", "relay", "--run-id", first).code != 0)
            #expect(try await reprise("workflow", "terminate", "relay", "--run-id", first, "--reason", "x").code != 0)
            #expect(try await reprise("workflow", "signal", "relay", "--run-id", latest, "--name", "approve", "--input", #""ann""#).code == 0)
            // `result` of the first run follows the chain to its last run's result.
            let result = try await reprise("workflow", "result", "relay", "--run-id", first)
            #expect(result.code == 0 && result.out == "\"approved by ann\"\n", "\(result.err)")
            let history = try await reprise("workflow", "show", "relay", "--run-id", latest, "-o", "json")
            #expect(history.json["events"]?.arrayValue.last?["eventType"] == .string("WorkflowExecutionCompleted"))
        }
    }

    @Test func startSetsPoliciesTimeoutMemoAndSearchAttributes() async throws {
        try await APIHarness.run(workflows: Self.workflows) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            let started = try await reprise(
                "workflow", "start", "--type", "Waiter", "--workflow-id", "s", "--input", #""x""#, "--execution-timeout", "2h",
                "--memo", #"{"note":"hi"}"#, "--search-attribute", "customer=acme", "--search-attribute", "tier=3",
                "--search-attribute", "vip=true", "--search-attribute", "expr=a=b", "-o", "json")
            #expect(started.code == 0, "\(started.err)")
            let described = try await reprise("workflow", "describe", "s", "-o", "json")
            #expect(described.json["memo"] == .object(["note": .string("hi")]))
            #expect(
                described.json["searchAttributes"]
                    == .object(["customer": .string("acme"), "tier": .int(3), "vip": .bool(true), "expr": .string("a=b")]))
            let history = try await reprise("workflow", "show", "s", "-o", "json")
            let timeout = history.json["events"]?.arrayValue.first?["attributes"]?["workflowExecutionTimeout"]
            #expect(timeout == .int(7200) || timeout == .double(7200), "\(String(describing: timeout))")

            // The conflict policy: the open run is refused by default, answered with UseExisting.
            #expect(try await reprise("workflow", "start", "--type", "Waiter", "--workflow-id", "s", "--input", #""x""#).code != 0)
            let existing = try await reprise(
                "workflow", "start", "--type", "Waiter", "--workflow-id", "s", "--input", #""x""#, "--id-conflict-policy", "UseExisting", "-o", "json")
            #expect(existing.code == 0 && existing.json["runId"] == started.json["runId"], "\(existing.err)")
            // The reuse policy: a closed run's id is refused with RejectDuplicate.
            #expect(try await reprise("workflow", "terminate", "s", "--reason", "done").code == 0)
            let rejected = try await reprise(
                "workflow", "start", "--type", "Waiter", "--workflow-id", "s", "--input", #""x""#, "--id-reuse-policy", "RejectDuplicate")
            #expect(rejected.code != 0 && !rejected.err.isEmpty)
            #expect(try await reprise("workflow", "start", "--type", "Waiter", "--workflow-id", "s", "--input", #""x""#).code == 0)
        }
    }

    /// Every bad flag value is a usage error (64) with a message naming it, never a crash.
    @Test func badFlagValuesAreUsageErrors() async throws {
        try await APIHarness.run(workflows: Self.workflows) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            let start = ["workflow", "start", "--type", "Waiter"]
            let cases: [([String], String)] = [
                (start + ["--id-reuse-policy", "Sometimes"], "--id-reuse-policy"),
                (start + ["--id-conflict-policy", "fail"], "--id-conflict-policy"),
                (start + ["--execution-timeout", "5x"], "--execution-timeout"),
                (start + ["--execution-timeout", "-1"], "--execution-timeout"),
                (start + ["--execution-timeout", "0"], "--execution-timeout"),
                (start + ["--execution-timeout", "999999d"], "--execution-timeout"),
                (start + ["--memo", "[1]"], "--memo"),
                (start + ["--memo", "{"], "--memo"),
                (start + ["--search-attribute", "novalue"], "--search-attribute"),
                (start + ["--search-attribute", "=v"], "--search-attribute"),
                (start + ["--search-attribute", "k=1", "--search-attribute", "k=2"], "--search-attribute"),
                (["workflow", "describe", "w", "--run-id", "not-a-uuid"], "--run-id"),
                (["workflow", "resume", "w", "--run-id", "1"], "--run-id"),
                (["workflow", "list", "--limit", "0"], "--limit"),
                (["workflow", "list", "--page-size", "1001"], "--page-size"),
                (["workflow", "list", "--color", "purple"], "--color"),
                (["workflow", "list", "-o", "yaml"], "--output"),
            ]
            for (arguments, flag) in cases {
                let outcome = try await reprise.run(arguments + ["--address", "http://127.0.0.1:\(api.client.port!)"], client: false)
                #expect(outcome.code == 64, "\(arguments): \(outcome.code) \(outcome.err)")
                #expect(outcome.err.contains(flag), "\(arguments): \(outcome.err)")
            }
        }
    }

    @Test func listPagesUpToTheLimitAndPrintsJSONLines() async throws {
        try await APIHarness.run(workflows: Self.workflows) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            for index in 1...5 {
                #expect(try await reprise("workflow", "start", "--type", "Waiter", "--workflow-id", "p-\(index)", "--input", #""x""#).code == 0)
            }
            let all = try await reprise("workflow", "list", "--type", "Waiter", "--page-size", "2", "-o", "json")
            // Three pages of two, each run once: the tokens carried on from page to page.
            let ids = all.json["workflows"]?.arrayValue.map { plain($0["workflowId"]) } ?? []
            #expect(Set(ids) == Set((1...5).map { "p-\($0)" }) && ids.count == 5, "\(all.out)")
            #expect(all.json["nextPageToken"] == .null)
            let capped = try await reprise("workflow", "list", "--type", "Waiter", "--page-size", "2", "--limit", "3", "-o", "json")
            #expect(capped.json["workflows"]?.arrayValue.map { plain($0["workflowId"]) } == Array(ids.prefix(3)))
            #expect(capped.json["nextPageToken"] != .null)
            let table = try await reprise("workflow", "list", "--type", "Waiter", "--page-size", "2", "--limit", "4")
            #expect(table.out.split(separator: "\n").count == 5)

            let lines = try await reprise("workflow", "list", "--type", "Waiter", "--page-size", "2", "-o", "jsonl")
            let objects = lines.out.split(separator: "\n").map { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
            #expect(objects.count == 5 && objects.allSatisfy { $0?["workflowId"] != nil }, "\(lines.out)")
            let events = try await reprise("workflow", "show", "p-1", "-o", "jsonl")
            let first = events.out.split(separator: "\n").first.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
            #expect(first?["eventType"] == .string("WorkflowExecutionStarted"))
        }
    }

    @Test func colorOnlyWhenAskedOrOnATerminalWithoutNoColor() async throws {
        try await APIHarness.run(workflows: Self.workflows) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            #expect(try await reprise("workflow", "start", "--type", "Refuser", "--workflow-id", "c", "--input", #""x""#).code == 0)
            try await api.env.waitUntil("c fails") { try await api.env.describe("c").status == .failed }
            let escape = "\u{1B}["
            let always = try await reprise("workflow", "list", "--color", "always")
            #expect(always.out.contains("\(escape)31mFailed\(escape)0m"))
            #expect(try await reprise("workflow", "list", "--color", "never").out.contains(escape) == false)
            #expect(try await reprise("workflow", "list").out.contains(escape) == false)  // Not a terminal.
            // On a terminal (script(1) gives the command one), auto colours unless NO_COLOR is set.
            let address = "http://127.0.0.1:\(api.client.port!)"
            let onTerminal = try await terminal([CLI.binary, "workflow", "list", "--address", address, "--token", api.adminToken], noColor: nil)
            #expect(onTerminal.contains(escape), "\(onTerminal)")
            let noColor = try await terminal([CLI.binary, "workflow", "list", "--address", address, "--token", api.adminToken], noColor: "1")
            #expect(noColor.contains("Failed") && !noColor.contains(escape), "\(noColor)")
        }
    }

    @Test func repriseNamespaceIsTheDefaultNamespaceAndTheFlagWins() async throws {
        try await APIHarness.run(workflows: Self.workflows) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            let created = try await reprise("namespace", "create", "billing")
            #expect(created.code == 0, "\(created.err)")
            var billing = reprise
            billing.environment = ["REPRISE_NAMESPACE": "billing"]
            #expect(try await billing("workflow", "start", "--type", "Waiter", "--workflow-id", "b-1", "--input", #""x""#).code == 0)
            #expect(try await reprise("workflow", "describe", "b-1", "-n", "billing").code == 0)
            #expect(try await reprise("workflow", "describe", "b-1").code != 0)
            #expect(try await billing("workflow", "list").out.contains("b-1"))
            #expect(try await billing("workflow", "list", "-n", "default").out.contains("b-1") == false)
        }
    }

    @Test func versionIsThePackagesVersion() async throws {
        let reprise = CLI(port: 1, token: nil)
        let version = try await reprise.run(["--version"], client: false)
        #expect(version.code == 0)
        #expect(version.out == RepriseVersion.current + "\n")
        #expect(Worker.Configuration.defaultBuild == "reprise-\(RepriseVersion.current)")
    }

    /// The followed history prints a few rows at a time; every row's columns start where the header's do.
    @Test func theHistoryTableStaysAlignedAsItStreams() async throws {
        try await APIHarness.run(workflows: Self.workflows) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            #expect(try await reprise("workflow", "start", "--type", "Waiter", "--workflow-id", "a", "--input", #""x""#).code == 0)
            try await api.env.waitUntil("a waits") { try await api.env.describe("a").historyLength >= 4 }
            async let followed = reprise("workflow", "show", "a", "-f")
            try await Task.sleep(for: .seconds(1))
            let long = String(repeating: "long-", count: 30)
            #expect(try await reprise("workflow", "signal", "a", "--name", "approve", "--input", "\"\(long)\"").code == 0)
            let lines = try await followed.out.split(separator: "\n").map(String.init)
            let header = try #require(lines.first { $0.hasPrefix("ID") })
            let columns = ["TIME", "TYPE", "SUMMARY"].compactMap { header.range(of: $0).map { header.distance(from: header.startIndex, to: $0.lowerBound) } }
            let rows = lines.filter { $0.first?.isNumber == true }
            #expect(rows.count >= 9 && rows.contains { $0.contains("WorkflowExecutionCompleted") && $0.contains(long) })
            for row in rows {
                let characters = Array(row)
                for column in columns where column < characters.count {
                    #expect(characters[column - 1] == " " && characters[column] != " ", "column \(column) of \(row)")
                }
            }
        }
    }

    /// Runs `arguments` on a pseudo-terminal and returns what it printed there.
    func terminal(_ arguments: [String], noColor: String?) async throws -> String {
        let command = arguments.map { "'\($0.replacingOccurrences(of: "'", with: "'\\''"))'" }.joined(separator: " ")
        let result = try await Subprocess.run(
            .path("/usr/bin/script"), arguments: ["-qefc", command, "/dev/null"],
            environment: .inherit.updating(["NO_COLOR": noColor, "REPRISE_TOKEN": nil, "REPRISE_ADDRESS": nil]),
            output: .string(limit: 1 << 20), error: .discarded)
        return result.standardOutput
    }
}

/// A JSON string's text; anything else as compact JSON.
private func plain(_ value: JSONValue?) -> String {
    if case .string(let text)? = value { return text }
    return value?.compactDescription ?? ""
}
