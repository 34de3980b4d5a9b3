import Foundation
import RepriseTesting
import Subprocess
import Synchronization
import Testing
import TestSupport
import Workflow

/// Heartbeats `{"percent": 42}`, then works until the test opens ``gate``.
struct HalfwayActivity: Activity {
    static let gate = Mutex(false)

    func run(input: String) async throws -> String {
        try await ActivityContext.current?.heartbeat(["percent": 42])
        while !Self.gate.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(50)) }
        return "done \(input)"
    }
}

/// Runs ``HalfwayActivity``.
struct Halfway: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        try await context.execute(HalfwayActivity.self, input, options: ActivityOptions(startToCloseTimeout: .seconds(120)))
    }
}

@Suite("The CLI's live progress line")
struct CLIProgressTests {
    /// On a terminal (script(1) gives `show -f` one, and writes what it prints to a file as it
    /// goes), the heartbeat's percent shows on a line redrawn with a carriage return; never in `-o json`.
    @Test func showFollowDrawsTheHeartbeatPercentOnATerminal() async throws {
        try await APIHarness.run(workflows: [Halfway.self], activities: [HalfwayActivity()]) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            #expect(try await reprise("workflow", "start", "--type", "Halfway", "--workflow-id", "h", "--input", #""h""#).code == 0)
            let directory = FileManager.default.temporaryDirectory.path
            let (typescript, jsonTypescript) = ("\(directory)/progress-\(UUID()).txt", "\(directory)/progress-json-\(UUID()).txt")
            defer { for file in [typescript, jsonTypescript] { try? FileManager.default.removeItem(atPath: file) } }
            let show = [CLI.binary, "workflow", "show", "h", "-f", "--address", "http://127.0.0.1:\(api.client.port!)", "--token", api.adminToken]
            func onTerminal(_ arguments: [String], into file: String, _ body: () async throws -> Void) async throws -> TerminationStatus {
                try await Subprocess.run(
                    .path("/usr/bin/script"), arguments: ["-qefc", arguments.map { "'\($0)'" }.joined(separator: " "), file],
                    environment: .inherit.updating(["NO_COLOR": nil, "REPRISE_TOKEN": nil, "REPRISE_ADDRESS": nil]),
                    input: .none, output: .discarded, error: .discarded
                ) { _ in try await body() }.terminationStatus
            }
            func printed(_ file: String) -> String { (try? String(contentsOfFile: file, encoding: .utf8)) ?? "" }
            var textStatus: TerminationStatus?
            let jsonStatus = try await onTerminal(show + ["-o", "json"], into: jsonTypescript) {
                textStatus = try await onTerminal(show, into: typescript) {
                    defer { HalfwayActivity.gate.withLock { $0 = true } }
                    try await api.env.waitUntil("the progress line shows, and the JSON follower follows") {
                        printed(typescript).contains("\rHalfwayActivity 42% [########") && printed(jsonTypescript).contains("WorkflowExecutionStarted")
                    }
                }
            }
            #expect(textStatus?.isSuccess == true && jsonStatus.isSuccess)
            #expect(printed(typescript).contains("WorkflowExecutionCompleted"))
            #expect(printed(jsonTypescript).contains("WorkflowExecutionCompleted") && !printed(jsonTypescript).contains("42%"))
            #expect(printed(typescript).contains("done h"))
        }
    }
}
