import Foundation
import Subprocess
import Synchronization
import SystemPackage

/// A long-running process of the system under test (a server or a worker) that the runner starts,
/// kills with SIGKILL, freezes with SIGSTOP and starts again, its output appended to one log file.
final class ManagedProcess: Sendable {
    /// One launch: its pid, and the task that ends with its termination status.
    private struct Launch: Sendable {
        var pid: pid_t
        var exit: Task<TerminationStatus?, Never>
    }

    let name: String
    private let executable: String
    private let arguments: [String]
    private let environment: [Environment.Key: String?]
    private let logPath: String
    private let current = Mutex<Launch?>(nil)

    init(name: String, executable: String, arguments: [String], environment: [String: String] = [:], logDirectory: String) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.environment = Dictionary(uniqueKeysWithValues: environment.map { (Environment.Key(stringLiteral: $0.key), $0.value) })
        self.logPath = "\(logDirectory)/\(name).log"
    }

    /// Starts the process (again).
    func start() async throws {
        let open = { try FileDescriptor.open(FilePath(self.logPath), .writeOnly, options: [.append, .create], permissions: .ownerReadWrite) }
        let (output, error) = (try open(), try open())
        _ = try? output.writeAll("--- started \(Date())\n".utf8)
        let launched = AsyncStream<pid_t>.makeStream()
        let (executable, arguments, environment) = (self.executable, self.arguments, self.environment)
        let exit = Task<TerminationStatus?, Never> {
            let result = try? await Subprocess.run(
                .path(FilePath(executable)), arguments: Arguments(arguments), environment: .inherit.updating(environment), input: .none,
                output: .fileDescriptor(output, closeAfterSpawningProcess: true), error: .fileDescriptor(error, closeAfterSpawningProcess: true)
            ) { execution in
                launched.continuation.yield(execution.processIdentifier.value)
            }
            launched.continuation.finish()
            return result?.terminationStatus
        }
        var pids = launched.stream.makeAsyncIterator()
        guard let pid = await pids.next() else { throw ChaosError("\(name) could not be started: see \(logPath)") }
        current.withLock { $0 = Launch(pid: pid, exit: exit) }
    }

    /// Sends `signal` to the process; false when it is not running.
    @discardableResult
    func send(_ signal: Int32) -> Bool {
        guard let pid = current.withLock({ $0?.pid }) else { return false }
        return kill(pid, signal) == 0
    }

    /// `kill -9`, then waits until the process is gone.
    func kill9() async {
        send(SIGKILL)
        _ = await current.withLock({ $0?.exit })?.value
    }

    /// Ends the process gracefully (SIGTERM), or with SIGKILL after `grace`.
    func stop(grace: Duration = .seconds(10)) async {
        guard let exit = current.withLock({ $0?.exit }) else { return }
        send(SIGCONT)
        send(SIGTERM)
        let killer = Task {
            try await Task.sleep(for: grace)
            self.send(SIGKILL)
        }
        _ = await exit.value
        killer.cancel()
    }

    /// How the process ended when the runner did not end it (it exited, or died of a signal other
    /// than the runner's SIGKILL and SIGTERM); nil while it runs.
    func unexpectedExit() async -> String? {
        guard let launch = current.withLock({ $0 }), kill(launch.pid, 0) != 0 else { return nil }
        switch await launch.exit.value {
        case .signaled(let signal)? where [SIGKILL, SIGTERM].contains(signal): return nil
        case let status?: return "\(name) ended by itself: \(status)"
        case nil: return "\(name) could not be run"
        }
    }
}

/// The runner's Postgres cluster, through `scripts/postgres.sh`.
struct Postgres: Sendable {
    let script: String
    let directory: String
    let port: Int

    /// `pg_ctl stop -m fast` and start: a clean restart, as an upgrade or a failover does.
    func restart() async throws {
        try await run(["stop", directory])
        try await run(["start", directory, String(port)])
    }

    /// `pg_ctl stop -m immediate`: every backend killed at once, as a crash does; recovery replays the WAL on start.
    func crash() async throws { try await run(["crash", directory]) }

    func start() async throws { try await run(["start", directory, String(port)]) }

    private func run(_ arguments: [String]) async throws {
        let result = try await Subprocess.run(
            .path("/bin/bash"), arguments: Arguments([script] + arguments), output: .discarded, error: .string(limit: 65_536))
        guard result.terminationStatus.isSuccess else {
            throw ChaosError("postgres.sh \(arguments.joined(separator: " ")) failed: \(result.standardError)")
        }
    }
}

/// A failure of the runner itself, or of a check.
struct ChaosError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
