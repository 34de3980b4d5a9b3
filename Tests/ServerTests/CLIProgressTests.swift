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
    /// goes), the heartbeat's percent shows on a line redrawn with a carriage return.
    @Test func showFollowDrawsTheHeartbeatPercentOnATerminal() async throws {
        try await APIHarness.run(workflows: [Halfway.self], activities: [HalfwayActivity()]) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            #expect(try await reprise("workflow", "start", "--type", "Halfway", "--workflow-id", "h", "--input", #""h""#).code == 0)
            let typescript = FileManager.default.temporaryDirectory.appendingPathComponent("progress-\(UUID()).txt").path
            defer { try? FileManager.default.removeItem(atPath: typescript) }
            let command = [CLI.binary, "workflow", "show", "h", "-f", "--address", "http://127.0.0.1:\(api.client.port!)", "--token", api.adminToken]
                .map { "'\($0)'" }.joined(separator: " ")
            let result = try await Subprocess.run(
                .path("/usr/bin/script"), arguments: ["-qefc", command, typescript],
                environment: .inherit.updating(["NO_COLOR": nil, "REPRISE_TOKEN": nil, "REPRISE_ADDRESS": nil]),
                input: .none, output: .discarded, error: .discarded
            ) { _ in
                defer { HalfwayActivity.gate.withLock { $0 = true } }
                try await api.env.waitUntil("the progress line shows") {
                    (try? String(contentsOfFile: typescript, encoding: .utf8))?.contains("\rHalfwayActivity 42% [########") == true
                }
            }
            #expect(result.terminationStatus.isSuccess)
            let printed = try String(contentsOfFile: typescript, encoding: .utf8)
            #expect(printed.contains("WorkflowExecutionCompleted"))
            #expect(printed.contains("done h"))
        }
    }
}
