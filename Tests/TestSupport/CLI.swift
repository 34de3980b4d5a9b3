import Foundation
import Subprocess
import Workflow

/// Runs the built `reprise` binary against a live server, as a user would.
package struct CLI: Sendable {
    package let port: Int
    package let token: String?
    /// Variables set (or, when nil, unset) in the command's environment.
    package var environment: [Environment.Key: String?] = [:]
    package static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/reprise").path

    package struct Outcome: Sendable {
        package var code: Int32
        package var out: String
        package var err: String
        package var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: Data(out.utf8))) ?? .null }
    }

    package init(port: Int, token: String?) {
        self.port = port
        self.token = token
    }

    /// Runs `reprise ARGS --address … [--token …]`.
    package func callAsFunction(_ arguments: String...) async throws -> Outcome {
        try await run(arguments, client: true)
    }

    package func run(_ arguments: [String], client: Bool) async throws -> Outcome {
        var all = arguments
        if client {
            all += ["--address", "http://127.0.0.1:\(port)"]
            if let token { all += ["--token", token] }
        }
        let result = try await Subprocess.run(
            .path(.init(Self.binary)), arguments: Arguments(all), environment: .inherit.updating(["REPRISE_TOKEN": nil, "REPRISE_ADDRESS": nil, "REPRISE_NAMESPACE": nil, "NO_COLOR": nil].merging(environment) { $1 }),
            output: .string(limit: 4 << 20), error: .string(limit: 1 << 20))
        let code: Int32 = if case .exited(let code) = result.terminationStatus { code } else { -1 }
        return Outcome(code: code, out: result.standardOutput, err: result.standardError)
    }

    /// Runs a long-lived `reprise` command while `body` runs, then stops it with SIGTERM and
    /// returns its termination status: a graceful shutdown exits 0. Its stderr (the logs) goes to
    /// `errorLog` when given.
    package static func whileRunning(
        _ arguments: [String], environment: [Environment.Key: String?] = [:], workingDirectory: String? = nil, errorLog: String? = nil,
        _ body: () async throws -> Void
    ) async throws -> TerminationStatus {
        let error = FileDescriptorOutput.fileDescriptor(
            try .open(.init(errorLog ?? "/dev/null"), .writeOnly, options: [.create, .truncate], permissions: .ownerReadWrite),
            closeAfterSpawningProcess: true)
        let result = try await Subprocess.run(
            .path(.init(binary)), arguments: Arguments(arguments), environment: .inherit.updating(environment),
            workingDirectory: workingDirectory.map { .init($0) }, input: .none, output: .discarded, error: error
        ) { execution in
            do {
                try await body()
            } catch {
                try? execution.send(signal: .terminate)
                throw error
            }
            try execution.send(signal: .terminate)
        }
        return result.terminationStatus
    }

    /// Waits until the server answers `namespace list`.
    package func waitForServer() async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try await self("namespace", "list").code == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CLIError(message: "the server on port \(port) did not come up")
    }
}

/// A CLI expectation that did not come true.
package struct CLIError: Error, CustomStringConvertible {
    package var message: String
    package init(message: String) { self.message = message }
    package var description: String { message }
}
