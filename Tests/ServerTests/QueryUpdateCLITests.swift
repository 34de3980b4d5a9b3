import Foundation
import RepriseTesting
import Testing
import TestSupport
import Workflow

@Suite("reprise workflow query and update (issue 20)")
struct QueryUpdateCLITests {
    @Test func queryAndUpdateFromTheCLI() async throws {
        try await APIHarness.run(workflows: [Tally.self, Ledger.self]) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            try await api.env.start(Ledger.self, id: "cli-l", input: 10)
            try await api.env.waitUntil("the first workflow task completes") { try await api.env.describe("cli-l").historyLength >= 4 }

            let updated = try await reprise("workflow", "update", "cli-l", "deposit", "--input", "5", "--update-id", "c1")
            #expect(updated.code == 0, "\(updated.err)")
            #expect(updated.out.trimmingCharacters(in: .whitespacesAndNewlines) == "15")
            let repeated = try await reprise("workflow", "update", "cli-l", "--name", "deposit", "--input", "5", "--update-id", "c1", "-o", "json")
            #expect(repeated.json["result"] == .int(15))
            #expect(repeated.json["stage"] == .string("completed"))
            let rejected = try await reprise("workflow", "update", "cli-l", "deposit", "--input=-1")
            #expect(rejected.code != 0, "a rejected update exits non-zero")
            #expect(rejected.out.contains("UpdateRejected") && rejected.out.contains("must be positive"), "\(rejected.out) \(rejected.err)")

            let file = FileManager.default.temporaryDirectory.appendingPathComponent("query-\(UUID()).json").path
            try Data("null".utf8).write(to: URL(fileURLWithPath: file))
            let queried = try await reprise("workflow", "query", "cli-l", "balance", "--input-file", file)
            #expect(queried.code == 0, "\(queried.err)")
            #expect(queried.out.trimmingCharacters(in: .whitespacesAndNewlines) == "15")
            let json = try await reprise("workflow", "query", "cli-l", "--name", "balance", "-o", "json")
            #expect(json.json["result"] == .int(15))

            let unknown = try await reprise("workflow", "query", "cli-l", "nothing")
            #expect(unknown.code != 0)
            #expect(unknown.err.contains("QueryNotFound") && unknown.err.contains("balance"))
            let twice = try await reprise("workflow", "query", "cli-l", "balance", "--name", "other")
            #expect(twice.code != 0)
            let noName = try await reprise("workflow", "query", "cli-l")
            #expect(noName.code != 0)
            let both = try await reprise("workflow", "query", "cli-l", "balance", "--input", "1", "--input-file", file)
            #expect(both.code != 0)
            #expect(both.err.contains("not both"))
        }
    }
}
